using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// One demo mesh for the metrics, tracing and access log tests: spans exported to an OTLP receiver the tests run,
/// every new trace sampled, JSON access logs on.
/// </summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "mesh-e2e-obs-" + Guid.NewGuid().ToString("N")[..8]);

    internal LocalMesh Mesh { get; private set; } = null!;

    internal OtlpReceiver Otlp { get; private set; } = null!;

    internal HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Otlp = await OtlpReceiver.StartAsync();
        Mesh = await LocalMesh.StartAsync(new LocalMeshOptions
        {
            WorkDir = _workDir,
            OtlpEndpoint = Otlp.Address,
            OtlpProtocol = "grpc",

            // Every new trace sampled, so a request without trace headers is traced too; callers' decisions still win.
            TraceSamplingPercent = 100,
            AccessLog = "json",
        });
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 8 })
        {
            BaseAddress = Mesh.GatewayUrl,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    /// <summary>Sends <paramref name="count"/> requests through the gateway, a few at a time; returns how many each backend answered.</summary>
    internal async Task<Dictionary<string, int>> SendAsync(int count)
    {
        var byBackend = new Dictionary<string, int>();
        for (var sent = 0; sent < count; sent += 4)
        {
            var batch = await Task.WhenAll(Enumerable.Range(0, Math.Min(4, count - sent)).Select(async _ =>
            {
                using var response = await Client.GetAsync("/");
                return GatewayAnswer.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
            }));
            foreach (var answer in batch)
            {
                Assert.Equal(200, answer.Status);
                byBackend[answer.Backend!] = byBackend.GetValueOrDefault(answer.Backend!) + 1;
            }
        }

        return byBackend;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Mesh is not null)
        {
            await Mesh.DisposeAsync();
        }

        if (Otlp is not null)
        {
            await Otlp.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // A program still closing its log file; the temp folder is cleaned up by the system.
        }
    }
}
