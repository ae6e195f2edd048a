using System.Diagnostics;
using System.Net;
using Mesh.Meshctl.Local;

namespace Mesh.LoadTests;

/// <summary>
/// What a burst of concurrent HTTP/2 streams does to the proxies' memory: the gateway and the backend sidecar's
/// resident set before, at the peak of the burst, and after it, with the GC settings the mesh's programs run with
/// (or those given in DOTNET_* variables, which the programs inherit: DOTNET_GCHeapHardLimit=6000000, hexadecimal, gives
/// each the 96 MB heap limit .NET would take in a pod limited to 128 MB). Requests the overload manager refuses (503, "envoy
/// overloaded") are counted apart from failures. See docs/operations.md ("Memory").
/// </summary>
internal static class BurstMemory
{
    public static async Task<int> RunAsync(string duration, string streams)
    {
        var length = TimeSpan.FromSeconds(int.Parse(duration.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));
        var concurrency = int.Parse(streams, System.Globalization.CultureInfo.InvariantCulture);
        var workDir = Path.Combine(Path.GetTempPath(), $"mesh-bench-burst-{Environment.ProcessId}");
        await using var mesh = await LocalMesh.StartAsync(new LocalMeshOptions { WorkDir = workDir, ConfigOverrides = BenchConfig.Overrides() });
        var watched = mesh.Programs.Where(p => p.Name is LocalMesh.GatewayName or "backend-v1 sidecar").ToList();
        Console.WriteLine($"{concurrency} concurrent HTTP/2 streams to the gateway (-> backend sidecar -> app) for {length.TotalSeconds:0} s; GC: "
            + $"gcServer={Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? "(mesh default)"}, "
            + $"GCConserveMemory={Environment.GetEnvironmentVariable("DOTNET_GCConserveMemory") ?? "-"}, "
            + $"GCHeapHardLimit={Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") ?? "-"}");
        var before = watched.ToDictionary(p => p.Name, p => ResidentMegabytes(p.Pid));
        var peak = new Dictionary<string, double>(before);

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var stop = new CancellationTokenSource(length);
        long requests = 0, refused = 0, failures = 0;
        var sending = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(mesh.GatewayUrl, HttpCompletionOption.ResponseContentRead);
                    Interlocked.Increment(ref requests);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && await response.Content.ReadAsStringAsync() == "envoy overloaded")
                    {
                        Interlocked.Increment(ref refused);
                    }
                    else if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }).ToList();
        while (!stop.IsCancellationRequested)
        {
            foreach (var (name, pid) in watched) peak[name] = Math.Max(peak[name], ResidentMegabytes(pid));
            try { await Task.Delay(TimeSpan.FromMilliseconds(250), stop.Token); } catch (OperationCanceledException) { }
        }
        await Task.WhenAll(sending);

        // As long again with no traffic: what the processes keep.
        await Task.Delay(length);
        Console.WriteLine($"{requests} requests: {requests - refused - failures} answered, {refused} refused by the overload manager (503 OM), {failures} failed");
        Console.WriteLine($"{"program",-24} {"before MB",10} {"peak MB",10} {"after MB",10}");
        foreach (var (name, pid) in watched)
        {
            Console.WriteLine($"{name,-24} {before[name],10:0} {peak[name],10:0} {ResidentMegabytes(pid),10:0}");
        }
        foreach (var line in mesh.RecentOutput(LocalMesh.GatewayName).Split('\n').Where(l => l.Contains("overload manager", StringComparison.Ordinal) || l.Contains("OutOfMemory", StringComparison.Ordinal)).TakeLast(12))
        {
            Console.WriteLine($"gateway: {line.Trim()}");
        }

        Directory.Delete(workDir, recursive: true);
        return 0;
    }

    private static double ResidentMegabytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
            }
        }
        return 0;
    }
}
