using BenchmarkDotNet.Running;

// Runs the telemetry micro-benchmarks; pass BenchmarkDotNet arguments, e.g. --filter '*' --job short.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
