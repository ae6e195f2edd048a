// Measures what span export costs the data path when the OTLP collector is unreachable or never answers.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesh.Meshctl.Local;

namespace Mesh.LoadTests;

/// <summary>
/// Runs the gateway → frontend → backend path with every trace sampled: without export, exporting over OTLP/HTTP to
/// a collector that answers at once, to one that accepts and never answers, and over OTLP/gRPC to a port nobody
/// listens on. The exporter's bounded queue should make the last three indistinguishable. See docs/performance.md.
/// </summary>
internal static class TracingImpact
{
    private const int Rounds = 3;

    public static async Task<int> RunAsync(string duration, string connections)
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var stop = new CancellationTokenSource();
        var holding = HoldConnectionsAsync(silent, stop.Token);
        var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
        var healthyPort = ClosedPort();
        using var healthy = new HttpListener();
        healthy.Prefixes.Add($"http://127.0.0.1:{healthyPort}/");
        healthy.Start();
        var answering = AnswerAsync(healthy);
        var closedPort = ClosedPort();

        (string Name, Uri? Otlp, string Protocol)[] cases =
        [
            ("no export", null, "grpc"),
            ("OTLP/HTTP, healthy collector", new Uri($"http://127.0.0.1:{healthyPort}"), "http/protobuf"),
            ("OTLP/gRPC, nobody listening", new Uri($"http://127.0.0.1:{closedPort}"), "grpc"),
            ("OTLP/HTTP, never answers", new Uri($"http://127.0.0.1:{silentPort}"), "http/protobuf"),
        ];

        Console.WriteLine($"Gateway -> frontend -> backend, 100% sampling; wrk: 2 threads, {connections} connections, {duration} per case after a 3 s warm-up");
        Console.WriteLine($"Cases interleaved over {Rounds} rounds, so drift in the machine's load hits every case alike.");
        var results = new List<(string Name, WrkResult Result)>();
        for (var round = 0; round < Rounds * cases.Length; round++)
        {
            var (name, otlp, protocol) = cases[round % cases.Length];
            Console.WriteLine($"  {name}...");
            var workDir = Path.Combine(Path.GetTempPath(), $"mesh-bench-tracing-{Environment.ProcessId}-{results.Count}");
            await using (var mesh = await LocalMesh.StartAsync(new LocalMeshOptions
            {
                WorkDir = workDir,
                TraceSamplingPercent = 100,
                OtlpEndpoint = otlp,
                OtlpProtocol = protocol,
            }))
            {
                await RunWrkAsync("3s", connections, mesh.GatewayUrl);
                results.Add((name, WrkResult.Parse(await RunWrkAsync(duration, connections, mesh.GatewayUrl))));
            }

            Directory.Delete(workDir, recursive: true);
        }

        await stop.CancelAsync();
        await holding;
        healthy.Stop();
        await answering;

        Console.WriteLine();
        Console.WriteLine($"{"OTLP collector",-30} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
        foreach (var (name, r) in results)
        {
            Console.WriteLine($"{name,-30} {r.RequestsPerSecond,10:0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.Errors,7}");
        }

        return results.Exists(r => r.Result.Errors > 0) ? 1 : 0;
    }

    /// <summary>A collector that takes every export and answers 200 at once.</summary>
    private static async Task AnswerAsync(HttpListener listener)
    {
        try
        {
            while (true)
            {
                var context = await listener.GetContextAsync();
                await context.Request.InputStream.CopyToAsync(Stream.Null);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>Accepts every connection and never answers: a collector that hangs.</summary>
    private static async Task HoldConnectionsAsync(TcpListener listener, CancellationToken stop)
    {
        var held = new List<Socket>();
        try
        {
            while (true)
            {
                held.Add(await listener.AcceptSocketAsync(stop));
            }
        }
        catch (OperationCanceledException)
        {
            held.ForEach(socket => socket.Dispose());
        }
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<string> RunWrkAsync(string time, string connections, Uri target)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-t2", $"-c{connections}", $"-d{time}", "--latency", target.ToString()])
        {
            info.ArgumentList.Add(arg);
        }

        using var wrk = Process.Start(info)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return wrk.ExitCode == 0 ? output : throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}):\n{output}");
    }
}
