using System.Globalization;
using System.Net;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The gateway as in a pod limited to 256 MB (the 192 MB heap limit .NET would take there), under a burst of 5,000
/// concurrent HTTP/2 streams: its overload manager refuses what the heap cannot hold with 503 (OM), nothing else
/// fails, its resident memory never passes the pod's limit, and it serves as before once the burst is over. Without
/// the overload manager the gateway ran out of heap and the burst's requests failed ("The response ended prematurely").
/// </summary>
public sealed class BurstMemoryTests
{
    private const int Streams = 5_000;
    private const long PodLimitMegabytes = 256;
    private static readonly TimeSpan BurstLength = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Gateway_BurstOf5000StreamsInA256MbPod_RefusesTheExcessWithOmAndStaysUnderTheLimit()
    {
        await using var run = await MeshRun.StartAsync(configure: options => options with
        {
            // Hexadecimal digits without 0x: the form both the JIT and the image's ahead-of-time compiled runtime read.
            GatewayEnvironment = new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = $"{PodLimitMegabytes * 3 / 4 * 1024 * 1024:X}" },
        });
        var pid = run.Mesh.ProcessId(LocalMesh.GatewayName) ?? throw new InvalidOperationException("no gateway process");

        var (answered, refused, failures) = await BurstAsync(run.Mesh.GatewayUrl);

        Assert.True(failures.Count == 0, $"{failures.Count} requests failed otherwise than refused, first: {failures.FirstOrDefault()}");
        Assert.NotNull(run.Mesh.ProcessId(LocalMesh.GatewayName));
        var peak = PeakResidentMegabytes(pid);
        Assert.True(peak <= PodLimitMegabytes, $"the gateway's resident memory peaked at {peak} MB, over the pod's {PodLimitMegabytes} MB");
        Assert.True(refused > 0, $"no request refused in a burst of {Streams} streams ({answered} answered): the overload manager never acted");
        Assert.True(answered > 0, $"every one of {refused} requests was refused");

        await MeshRun.WaitUntilAsync(async () => (await run.GetAsync()).Status == 200, TimeSpan.FromSeconds(15), "the gateway to answer 200 after the burst");
        var output = run.Mesh.RecentOutput(LocalMesh.GatewayName);
        Assert.DoesNotContain("OutOfMemoryException", output);
        Assert.Contains("[5004] overload manager:", output);
    }

    private static async Task<(long Answered, long Refused, List<string> Failures)> BurstAsync(Uri gateway)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var stop = new CancellationTokenSource(BurstLength);
        long answered = 0, refused = 0;
        var failures = new List<string>();
        var senders = Enumerable.Range(0, Streams).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.GetAsync(gateway);
                    var body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref answered);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable && body == "envoy overloaded")
                    {
                        Interlocked.Increment(ref refused);
                    }
                    else
                    {
                        lock (failures) failures.Add($"{(int)response.StatusCode} {body}");
                    }
                }
                catch (HttpRequestException e)
                {
                    lock (failures) failures.Add(e.Message);
                }
            }
        });
        await Task.WhenAll(senders);
        return (answered, refused, failures);
    }

    /// <summary>The kernel's high-water mark of the process's resident set (VmHWM): the peak, however brief.</summary>
    private static long PeakResidentMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
