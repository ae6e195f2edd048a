using Mesh.Meshctl.Local;

namespace Mesh.LoadTests;

/// <summary>
/// Compares this build with another checkout's (built in Release by loadtests/run.sh) on the gateway and sidecar
/// paths: each round starts a mesh from one build and then from the other, so drift in the machine's load hits both
/// alike. Prints every measurement and each build's mean. See docs/performance.md.
/// </summary>
internal static class BuildComparison
{
    private const int Rounds = 3;

    public static async Task<int> RunAsync(string duration, string connections, string otherCheckout)
    {
        (string Name, string? BinariesFrom)[] builds = [("other", Path.GetFullPath(otherCheckout)), ("this", null)];
        Console.WriteLine($"This build vs {builds[0].BinariesFrom}; wrk: 2 threads, {connections} connections, {duration} per path after a 3 s warm-up");
        Console.WriteLine($"{Rounds} rounds, builds alternating within each; {Environment.ProcessorCount} cores");
        var results = new List<(string Build, string Path, WrkResult Result)>();
        for (var round = 1; round <= Rounds; round++)
        {
            foreach (var (build, binaries) in builds)
            {
                var workDir = Path.Combine(Path.GetTempPath(), $"mesh-bench-compare-{Environment.ProcessId}-{results.Count}");
                await using (var mesh = await LocalMesh.StartAsync(new LocalMeshOptions
                {
                    WorkDir = workDir,
                    BinariesFrom = binaries,
                    ConfigOverrides = BenchConfig.Overrides(),
                }))
                {
                    foreach (var (path, target) in (ValueTuple<string, string[]>[])[("gateway", BenchConfig.GatewayPath(mesh)), ("sidecar", BenchConfig.SidecarPath(mesh))])
                    {
                        var result = await Wrk.MeasureAsync(duration, connections, target);
                        Console.WriteLine($"  round {round}, {build} build, {path} -> sidecar -> app: {result.RequestsPerSecond:0} req/s, p99 {result.P99Ms:0.00} ms");
                        results.Add((build, path, result));
                    }
                }

                Directory.Delete(workDir, recursive: true);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"build",-8} {"path",-9} {"mean req/s",11} {"min",8} {"max",8} {"mean p50",9} {"mean p99",9} {"errors",7}");
        foreach (var (build, _) in builds)
        {
            foreach (var path in (string[])["gateway", "sidecar"])
            {
                var runs = results.Where(r => r.Build == build && r.Path == path).Select(r => r.Result).ToList();
                Console.WriteLine($"{build,-8} {path,-9} {runs.Average(r => r.RequestsPerSecond),11:0} {runs.Min(r => r.RequestsPerSecond),8:0} "
                    + $"{runs.Max(r => r.RequestsPerSecond),8:0} {runs.Average(r => r.P50Ms),9:0.00} {runs.Average(r => r.P99Ms),9:0.00} {runs.Sum(r => r.Errors),7}");
            }
        }

        return results.Exists(r => r.Result.Errors > 0) ? 1 : 0;
    }
}
