using BenchmarkDotNet.Running;
using Mesh.Benchmarks;

// Runs the telemetry micro-benchmarks; pass BenchmarkDotNet arguments, e.g. --filter '*' --job short.
// (Anchored on a benchmark type: Mesh.Proxy, referenced here, has a top-level Program of its own.)
BenchmarkSwitcher.FromAssembly(typeof(ProxyTelemetryBenchmarks).Assembly).Run(args);
