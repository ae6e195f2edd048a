// Each test runs a whole mesh of eight processes; on a 2-core machine they are clearer and faster one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
