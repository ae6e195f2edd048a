using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Tests.Translation;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// A sidecar and a gateway on the real server: an edit reaches only the proxies that depend on it (the other one's
/// push is skipped and counted), and with a push throttle of one every proxy still gets its configuration.
/// </summary>
public sealed class PushScopeTests : IAsyncDisposable
{
    private readonly TempDirectory _config = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private ControlPlaneServer? _server;
    private GrpcChannel? _channel;

    private async Task<AggregatedDiscoveryService.AggregatedDiscoveryServiceClient> StartAsync(int maxConcurrentPushes = 100)
    {
        _config.Write("workloads.yaml", DemoYaml.Workloads);
        _config.Write("subsets.yaml", DemoYaml.BackendSubsets);
        _config.Write("routing.yaml", DemoYaml.BackendRouting);
        _config.Write("gateway.yaml", DemoYaml.IngressGateway);
        _server = ControlPlaneServer.Create(new ControlPlaneOptions
        {
            ConfigDirectory = _config.Path,
            GrpcPort = 0,
            HttpPort = 0,
            Debounce = TimeSpan.FromMilliseconds(10),
            FileSettle = TimeSpan.FromMilliseconds(10),
            MaxConcurrentPushes = maxConcurrentPushes,
            AllowAnonymousDiscovery = true,
        }, TimeProvider.System, _ => { });
        await _server.StartAsync(_timeout.Token);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.GrpcPort}");
        return new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        _config.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Push_GatewayVirtualServiceEdited_ReachesTheGatewayAndSkipsTheSidecar()
    {
        var client = await StartAsync();
        using var sidecar = client.StreamResources(cancellationToken: _timeout.Token);
        using var gateway = client.StreamResources(cancellationToken: _timeout.Token);
        var sidecarRoutes = await SubscribeAndAckAsync(sidecar, TestNodes.Sidecar("frontend-v1"));
        var gatewayRoutes = await SubscribeAndAckAsync(gateway, TestNodes.Router());
        var skippedBefore = await CounterAsync("mesh_xds_pushes_skipped_total");

        _config.Write("gateway.yaml", DemoYaml.IngressGateway.Replace("name: frontend\n", "name: storefront\n", StringComparison.Ordinal));

        Assert.True(await gateway.ResponseStream.MoveNext(_timeout.Token));
        var pushed = gateway.ResponseStream.Current;
        Assert.Equal(TypeUrls.Route, pushed.TypeUrl);
        Assert.NotEqual(gatewayRoutes.VersionInfo, pushed.VersionInfo);
        await Eventually.TrueAsync(async () => await CounterAsync("mesh_xds_pushes_skipped_total") >= skippedBefore + 1, "the sidecar's push to be skipped");
        var sidecarState = Assert.Single(_server!.Registry.Snapshot(), c => c.Node.Id == TestNodes.Sidecar("frontend-v1").Id).GetState(TypeUrls.Route);
        Assert.Equal(sidecarRoutes.Nonce, sidecarState.SentNonce);
    }

    [Fact]
    public async Task Push_ThrottleOfOne_EveryProxyStillConverges()
    {
        var client = await StartAsync(maxConcurrentPushes: 1);
        var streams = new[] { TestNodes.Sidecar("frontend-v1"), TestNodes.Sidecar("backend-v1"), TestNodes.Sidecar("backend-v2"), TestNodes.Router() }
            .Select(node => (Node: node, Call: client.StreamResources(cancellationToken: _timeout.Token)))
            .ToList();
        try
        {
            await Task.WhenAll(streams.Select(s => SubscribeAndAckAsync(s.Call, s.Node)));

            _config.Write("routing.yaml", DemoYaml.BackendRouting.Replace("weight: 80", "weight: 60", StringComparison.Ordinal).Replace("weight: 20", "weight: 40", StringComparison.Ordinal));

            // The three sidecars depend on the backend's routes; each gets them, one push at a time.
            await Task.WhenAll(streams.Where(s => s.Node.Role == ProxyRole.Sidecar).Select(async s =>
            {
                Assert.True(await s.Call.ResponseStream.MoveNext(_timeout.Token));
                Assert.Equal(TypeUrls.Route, s.Call.ResponseStream.Current.TypeUrl);
            }));
        }
        finally
        {
            foreach (var (_, call) in streams) call.Dispose();
        }
    }

    /// <summary>Subscribes as <paramref name="node"/>, ACKs the four initial responses and returns the routes one.</summary>
    private async Task<DiscoveryResponse> SubscribeAndAckAsync(AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call, Node node)
    {
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, _timeout.Token);
        DiscoveryResponse? routes = null;
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(_timeout.Token));
            var response = call.ResponseStream.Current;
            if (response.TypeUrl == TypeUrls.Route) routes = response;
            await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce }, _timeout.Token);
        }
        return routes ?? throw new InvalidOperationException($"{node.Id} got no routes");
    }

    private async Task<double> CounterAsync(string name)
    {
        using var http = new HttpClient();
        var exposition = await http.GetStringAsync($"http://127.0.0.1:{_server!.HttpPort}/metrics", _timeout.Token);
        var line = exposition.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
