using Mesh.LoadTests;
using Mesh.Meshctl.Local;

// Runs the local mesh, then drives wrk against each path to the same backend app and prints one table:
// direct to the app, sidecar to sidecar, and gateway to sidecar. See docs/performance.md.
var duration = args.Length > 0 ? args[0] : "10s";
var connections = args.Length > 1 ? args[1] : "32";
if (args is [_, _, "tracing"])
{
    // loadtests/run.sh 10s 32 tracing: what an unreachable or hanging OTLP collector costs the data path.
    return await TracingImpact.RunAsync(duration, connections);
}

if (args is [_, _, "compare", var otherCheckout])
{
    // loadtests/run.sh 10s 32 compare ../other-clone: this build against another checkout's, interleaved.
    return await BuildComparison.RunAsync(duration, connections, otherCheckout);
}

if (args is [_, _, "burst"])
{
    // loadtests/run.sh 20s 2000 burst: the proxies' memory before, during and after a burst of HTTP/2 streams.
    return await BurstMemory.RunAsync(duration, connections);
}

if (args is [_, _, "scenarios", ..] && args.Length <= 4)
{
    // loadtests/run.sh 10s 32 scenarios [RATE]: the k6 scenarios of loadtests/k6 with their thresholds, PASS or FAIL each.
    return await Mesh.LoadTests.Scenarios.LocalScenarios.RunAsync(duration, connections, args.Length == 4 ? int.Parse(args[3]) : Mesh.LoadTests.Scenarios.LocalScenarios.DefaultRate);
}

if (args is [_, _, "mtls"])
{
    // loadtests/run.sh 10s 32 mtls: sidecar to sidecar with auto mTLS and with plaintext, interleaved.
    return await MutualTlsImpact.RunAsync(duration, connections);
}

Console.WriteLine("Starting the local mesh (the gateway routes straight to backend v1 for this run)...");
var workDir = Path.Combine(Path.GetTempPath(), "mesh-bench-" + Environment.ProcessId);
await using var mesh = await LocalMesh.StartAsync(new LocalMeshOptions
{
    WorkDir = workDir,
    ConfigOverrides = BenchConfig.Overrides(),
});

var backend = mesh.Workloads.Single(w => w.Name == "backend-v1");
(string Name, string[] WrkArgs)[] scenarios =
[
    ("direct to app", [$"http://127.0.0.1:{backend.AppPort}/"]),
    ("sidecar -> sidecar -> app", BenchConfig.SidecarPath(mesh)),
    ("gateway -> sidecar -> app", BenchConfig.GatewayPath(mesh)),
];

Console.WriteLine($"wrk: 2 threads, {connections} connections, {duration} per path, after a 3 s warm-up; {Environment.ProcessorCount} cores");
var results = new List<(string Name, WrkResult Result)>();
foreach (var (name, wrkArgs) in scenarios)
{
    Console.WriteLine($"  {name}...");
    results.Add((name, await Wrk.MeasureAsync(duration, connections, wrkArgs)));
}

Console.WriteLine();
Console.WriteLine($"{"path",-28} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
foreach (var (name, r) in results)
{
    Console.WriteLine($"{name,-28} {r.RequestsPerSecond,10:0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.Errors,7}");
}

Directory.Delete(workDir, recursive: true);
return results.Exists(r => r.Result.Errors > 0) ? 1 : 0;
