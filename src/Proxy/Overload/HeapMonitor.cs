namespace Mesh.Proxy.Overload;

/// <summary>What the overload manager reads from the GC, and the one thing it asks of it: a seam for tests.</summary>
internal interface IHeapMonitor
{
    /// <summary>Bytes the managed heap holds now: live objects, and garbage not collected yet.</summary>
    long UsedBytes();

    /// <summary>
    /// The most the heap may grow to, as the GC sees it: the heap hard limit when one is set, which in a container
    /// with a memory limit .NET sets itself (75% of it); otherwise the machine's memory.
    /// </summary>
    long LimitBytes();

    /// <summary>Memory the GC has committed for the heap, in use or not, as of its last collection.</summary>
    long CommittedBytes();

    /// <summary>The process's resident memory: heap, code, stacks and native buffers.</summary>
    long ResidentBytes();

    /// <summary>Collects everything it can now, compacts, and gives free memory back to the operating system.</summary>
    void Shrink();
}

/// <summary>The GC of this process.</summary>
internal sealed class GcHeapMonitor : IHeapMonitor
{
    public long UsedBytes() => GC.GetTotalMemory(forceFullCollection: false);

    public long LimitBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public long CommittedBytes() => GC.GetGCMemoryInfo().TotalCommittedBytes;

    public long ResidentBytes() => Environment.WorkingSet;

    public void Shrink() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
