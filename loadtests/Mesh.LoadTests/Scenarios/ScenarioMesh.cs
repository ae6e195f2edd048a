using Mesh.Meshctl.Local;

namespace Mesh.LoadTests.Scenarios;

/// <summary>A local mesh started for the scenarios, with the client and the two paths they send requests on.</summary>
internal sealed class ScenarioMesh : IAsyncDisposable
{
    private readonly string _workDir;
    private readonly Uri _sidecarOutbound;

    private ScenarioMesh(LocalMesh mesh, string workDir, int maxInFlight)
    {
        Mesh = mesh;
        _workDir = workDir;
        _sidecarOutbound = new Uri($"http://127.0.0.1:{mesh.Workloads.Single(w => w.Name == "frontend-v1").OutboundPort}/");
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = maxInFlight })
        {
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public LocalMesh Mesh { get; }

    public HttpClient Client { get; }

    public static async Task<ScenarioMesh> StartAsync(ScenarioSettings settings, int backendFailPercent, IReadOnlyDictionary<string, string> configOverrides)
    {
        var workDir = Path.Combine(Path.GetTempPath(), $"mesh-scenarios-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        var mesh = await LocalMesh.StartAsync(new LocalMeshOptions
        {
            WorkDir = workDir,
            BackendFailPercent = backendFailPercent,
            ConfigOverrides = configOverrides,
        });
        return new ScenarioMesh(mesh, workDir, settings.MaxInFlight);
    }

    /// <summary>GET / through the gateway (→ frontend → backend): the status and the body.</summary>
    public async Task<(int Status, string Body)> GetGatewayAsync(CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(Mesh.GatewayUrl, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<RequestOutcome> GatewayAsync(CancellationToken cancellationToken)
    {
        var (status, _) = await GetGatewayAsync(cancellationToken);
        return new RequestOutcome(Failed: status != 200);
    }

    /// <summary>GET / to the frontend sidecar's outbound listener for backend:9080 (→ backend sidecar → backend).</summary>
    public async Task<RequestOutcome> SidecarAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _sidecarOutbound);
        request.Headers.Host = "backend:9080";
        using var response = await Client.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new RequestOutcome(Failed: (int)response.StatusCode != 200);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Mesh.DisposeAsync();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
