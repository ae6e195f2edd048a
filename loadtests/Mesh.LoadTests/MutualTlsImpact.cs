// Measures what mutual TLS between sidecars costs: the sidecar → sidecar path with auto mTLS (the default) and with plaintext.
using Mesh.Meshctl.Local;

namespace Mesh.LoadTests;

/// <summary>
/// wrk → frontend sidecar's outbound listener (Host: backend:9080) → backend sidecar's inbound listener → backend app,
/// once with the default auto mTLS (h2 over TLS 1.3 between the sidecars) and once with a mesh-wide PeerAuthentication
/// DISABLE (auto mTLS then falls back to plaintext HTTP/1.1), interleaved over rounds. See docs/performance.md.
/// </summary>
internal static class MutualTlsImpact
{
    private const int Rounds = 2;

    private const string MeshWideDisable = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: istio-system }
        spec:
          mtls: { mode: DISABLE }
        """;

    public static async Task<int> RunAsync(string duration, string connections)
    {
        (string Name, Dictionary<string, string> Overrides)[] cases =
        [
            ("plaintext (PeerAuthentication DISABLE)", new(BenchConfig.Overrides()) { ["peer-authentication.yaml"] = MeshWideDisable }),
            ("mTLS (auto, the default)", BenchConfig.Overrides()),
        ];

        Console.WriteLine($"Sidecar -> sidecar -> app; wrk: 2 threads, {connections} connections, {duration} per case after a 3 s warm-up");
        Console.WriteLine($"Cases interleaved over {Rounds} rounds, so drift in the machine's load hits every case alike.");
        var results = new List<(string Name, WrkResult Result)>();
        for (var round = 0; round < Rounds * cases.Length; round++)
        {
            var (name, overrides) = cases[round % cases.Length];
            Console.WriteLine($"  {name}...");
            var workDir = Path.Combine(Path.GetTempPath(), $"mesh-bench-mtls-{Environment.ProcessId}-{results.Count}");
            await using (var mesh = await LocalMesh.StartAsync(new LocalMeshOptions { WorkDir = workDir, ConfigOverrides = overrides }))
            {
                results.Add((name, await Wrk.MeasureAsync(duration, connections, BenchConfig.SidecarPath(mesh))));
            }

            Directory.Delete(workDir, recursive: true);
        }

        Console.WriteLine();
        Console.WriteLine($"{"between sidecars",-40} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
        foreach (var (name, r) in results)
        {
            Console.WriteLine($"{name,-40} {r.RequestsPerSecond,10:0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.Errors,7}");
        }

        return results.Exists(r => r.Result.Errors > 0) ? 1 : 0;
    }
}
