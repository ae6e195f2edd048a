using Google.Protobuf;
using System.Net.Http;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Tests.Translation;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>The real server on 127.0.0.1 with a Grpc.Net.Client client: initial push, ACKs, change pushes, NACKs, what syncz shows, and how streams end.</summary>
public sealed class DiscoveryServerTests : IAsyncLifetime
{
    private readonly TempDirectory _config = new();
    private ControlPlaneServer _server = null!;
    private GrpcChannel _channel = null!;
    private AggregatedDiscoveryService.AggregatedDiscoveryServiceClient _client = null!;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public async Task InitializeAsync()
    {
        _config.Write("workloads.yaml", DemoYaml.Workloads);
        _config.Write("subsets.yaml", DemoYaml.BackendSubsets);
        _config.Write("routing.yaml", Routing(80));
        _server = ControlPlaneServer.Create(
            new ControlPlaneOptions
            {
                ConfigDirectory = _config.Path, GrpcPort = 0, HttpPort = 0, Debounce = TimeSpan.FromMilliseconds(10), FileSettle = TimeSpan.FromMilliseconds(10),
                // The protocol, not who may speak it (DiscoveryAuthenticationTests).
                AllowAnonymousDiscovery = true,
            },
            TimeProvider.System, _ => { });
        await _server.StartAsync(_timeout.Token);
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.GrpcPort}");
        _client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _config.Dispose();
        _timeout.Dispose();
    }

    private static string Routing(int v1Weight) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - route:
            - { destination: { host: backend, subset: v1 }, weight: {{v1Weight}} }
            - { destination: { host: backend, subset: v2 }, weight: {{100 - v1Weight}} }
        """;

    private static Node FrontendNode() => TestNodes.Sidecar("frontend-v1");

    private static DiscoveryRequest Ack(DiscoveryResponse response) =>
        new() { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };

    /// <summary>What a proxy answers when it cannot apply <paramref name="response"/> and keeps <paramref name="heldVersion"/>.</summary>
    private static DiscoveryRequest Nack(DiscoveryResponse response, string heldVersion, string reason) => new()
    {
        TypeUrl = response.TypeUrl,
        VersionInfo = heldVersion,
        ResponseNonce = response.Nonce,
        ErrorDetail = new ErrorDetail { Code = 3, Message = reason },
    };

    [Fact]
    public async Task Version_AsIstiodAnswers_KialiFindsTheIstioReleaseFirst()
    {
        using var http = new HttpClient();

        var version = await http.GetStringAsync($"http://127.0.0.1:{_server.HttpPort}/version", _timeout.Token);

        // Kiali's rule: the first X.Y.Z in the text is the Istio version.
        Assert.Matches(@"^1\.27\.0-mesh\.[0-9.]+-Clean$", version);
    }

    [Fact]
    public async Task Syncz_NoProxies_AnEmptyArrayAsIstiod()
    {
        var syncz = await GetJsonAsync("/debug/syncz");

        Assert.Equal(JsonValueKind.Array, syncz.ValueKind);
        Assert.Equal(0, syncz.GetArrayLength());
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var http = new HttpClient();
        var body = await http.GetStringAsync($"http://127.0.0.1:{_server.HttpPort}{path}", _timeout.Token);
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task Stream_FullCycle_PushesAllTypesThenOnlyChangesAndRecordsAckAndNack()
    {
        using var call = _client.StreamResources(cancellationToken: _timeout.Token);
        await using var responses = call.ResponseStream.ReadAllAsync(_timeout.Token).GetAsyncEnumerator(_timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = FrontendNode(), TypeUrl = TypeUrls.Cluster }, _timeout.Token);

        var initial = new List<DiscoveryResponse>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await responses.MoveNextAsync());
            initial.Add(responses.Current);
            await call.RequestStream.WriteAsync(Ack(responses.Current), _timeout.Token);
        }
        Assert.Equal(TypeUrls.PushOrder, initial.Select(r => r.TypeUrl));
        Assert.Equal(initial.Count, initial.Select(r => r.Nonce).Distinct().Count());
        var routeNames = initial[3].Resources.Select(r => r.Unpack<RouteConfiguration>().Name);
        Assert.Equal(["inbound|17001", "outbound", "outbound/default"], routeNames);

        var connection = Assert.Single(_server.Registry.Snapshot());
        await Eventually.TrueAsync(() => connection.OverallStatus == SyncStatus.Synced, "every type to be ACKed");
        var syncz = await GetJsonAsync("/debug/syncz");
        var proxy = Assert.Single(syncz.EnumerateArray());
        Assert.Equal(("sidecar~frontend-v1.default", "SYNCED"), (proxy.GetProperty("id").GetString(), proxy.GetProperty("status").GetString()));
        Assert.Equal(initial[0].VersionInfo, proxy.GetProperty("types").GetProperty("cds").GetProperty("ackedVersion").GetString());
        // istiod's fields, as Kiali reads them: the proxy as pod.namespace, and per type the nonce sent and the one ACKed.
        Assert.Equal(("frontend-v1.default", "sidecar", "Kubernetes"),
            (proxy.GetProperty("proxy").GetString(), proxy.GetProperty("proxy_type").GetString(), proxy.GetProperty("cluster_id").GetString()));
        Assert.Equal(initial[0].Nonce, proxy.GetProperty("cluster_sent").GetString());
        Assert.Equal(initial[0].Nonce, proxy.GetProperty("cluster_acked").GetString());
        Assert.Equal(initial[3].Nonce, proxy.GetProperty("route_acked").GetString());

        // Only the routes depend on the weights: the next response must be routes, not clusters (which would come first).
        _config.Write("routing.yaml", Routing(50));
        Assert.True(await responses.MoveNextAsync());
        var changed = responses.Current;
        Assert.Equal(TypeUrls.Route, changed.TypeUrl);
        Assert.NotEqual(initial[3].VersionInfo, changed.VersionInfo);

        await call.RequestStream.WriteAsync(Nack(changed, initial[3].VersionInfo, "route names an unknown cluster"), _timeout.Token);
        await Eventually.TrueAsync(() => connection.OverallStatus == SyncStatus.Nacked, "the NACK to be recorded");

        syncz = await GetJsonAsync("/debug/syncz");
        var rds = syncz[0].GetProperty("types").GetProperty("rds");
        Assert.Equal("NACKED", rds.GetProperty("status").GetString());
        Assert.Equal("route names an unknown cluster", rds.GetProperty("lastNack").GetProperty("message").GetString());
        Assert.Equal(initial[3].VersionInfo, rds.GetProperty("ackedVersion").GetString());
        Assert.Equal("NACKED", syncz[0].GetProperty("status").GetString());
        // A NACK leaves the ACKed nonce behind the sent one: Kiali shows the routes as Stale.
        Assert.Equal((changed.Nonce, initial[3].Nonce), (syncz[0].GetProperty("route_sent").GetString(), syncz[0].GetProperty("route_acked").GetString()));
    }

    [Fact]
    public async Task Stream_ProxyTakingIncrements_ChangeSendsTheChangedPartOnlyAndANackOfItBringsTheWholeSet()
    {
        var node = FrontendNode();
        node.ClientFeatures.Add(ClientFeatures.Incremental);
        using var call = _client.StreamResources(cancellationToken: _timeout.Token);
        await using var responses = call.ResponseStream.ReadAllAsync(_timeout.Token).GetAsyncEnumerator(_timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, _timeout.Token);
        var initial = new List<DiscoveryResponse>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await responses.MoveNextAsync());
            initial.Add(responses.Current);
            await call.RequestStream.WriteAsync(Ack(responses.Current), _timeout.Token);
        }
        // Every first response is a whole set.
        Assert.All(initial, r => Assert.False(r.Incremental));

        _config.Write("routing.yaml", Routing(50));
        Assert.True(await responses.MoveNextAsync());
        var increment = responses.Current;

        Assert.Equal(TypeUrls.Route, increment.TypeUrl);
        Assert.True(increment.Incremental);
        Assert.Equal(initial[3].VersionInfo, increment.BaseVersion);
        Assert.Equal(["outbound/default"], increment.Resources.Select(r => r.Unpack<RouteConfiguration>().Name));
        Assert.Empty(increment.RemovedResources);

        // Refused (as if the proxy held another set): the whole set of the same version follows, unasked.
        await call.RequestStream.WriteAsync(Nack(increment, initial[3].VersionInfo, "an increment on another version"), _timeout.Token);
        Assert.True(await responses.MoveNextAsync());
        var whole = responses.Current;
        Assert.Equal((TypeUrls.Route, false, increment.VersionInfo), (whole.TypeUrl, whole.Incremental, whole.VersionInfo));

        // The proxy's own compiler makes of the first set and the increment exactly the whole set.
        var compiler = new Mesh.Proxy.Configuration.SnapshotCompiler(new Mesh.Proxy.Configuration.ClusterCompiler(TimeProvider.System));
        var applied = compiler.Compile(compiler.Compile(Mesh.Proxy.Model.ProxySnapshot.Empty, initial[3]), increment).GetApplied(TypeUrls.Route);
        Assert.Equal(increment.VersionInfo, applied.Version);
        Assert.Equal(whole.Resources.Select(r => r.Value.ToBase64()), applied.Resources.Select(r => r.ToByteString().ToBase64()));
    }

    [Fact]
    public async Task Streams_SameContent_ShareOneCopyPerTypeUntilTheLastOneEnds()
    {
        // Two streams with the same configuration (a proxy reconnecting while its old stream lingers).
        var first = await OpenSyncedStreamAsync(FrontendNode());
        var held = _server.ResourcePool.Count;
        var second = await OpenSyncedStreamAsync(FrontendNode());

        Assert.Equal(TypeUrls.PushOrder.Count, held);
        Assert.Equal(first.Responses.Select(r => r.VersionInfo), second.Responses.Select(r => r.VersionInfo));
        Assert.Equal(first.Responses.Select(r => r.ToByteString()), second.Responses.Select(r => WithNonce(r, first.Responses)));
        Assert.Equal(held, _server.ResourcePool.Count);

        // Another workload's content is its own; its listeners differ, so the pool holds at least one more.
        var backend = await OpenSyncedStreamAsync(TestNodes.Sidecar("backend-v1"));
        Assert.True(_server.ResourcePool.Count > held);

        first.Call.Dispose();
        await Eventually.TrueAsync(() => _server.Registry.Count == 2, "the first stream to end");
        Assert.True(_server.ResourcePool.Count > held, "the second stream still holds the shared copies");
        second.Call.Dispose();
        backend.Call.Dispose();
        await Eventually.TrueAsync(() => _server.ResourcePool.Count == 0, "every copy to be released with its last stream");
    }

    /// <summary>The response's bytes with the nonce of the same type's response in <paramref name="others"/>: only nonces differ between holders.</summary>
    private static ByteString WithNonce(DiscoveryResponse response, IReadOnlyList<DiscoveryResponse> others)
    {
        var copy = response.Clone();
        copy.Nonce = others.Single(o => o.TypeUrl == response.TypeUrl).Nonce;
        return copy.ToByteString();
    }

    private async Task<(AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> Call, List<DiscoveryResponse> Responses)> OpenSyncedStreamAsync(Node node)
    {
        var call = _client.StreamResources(cancellationToken: _timeout.Token);
        var responses = new List<DiscoveryResponse>();
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, _timeout.Token);
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            Assert.True(await call.ResponseStream.MoveNext(_timeout.Token));
            responses.Add(call.ResponseStream.Current);
            await call.RequestStream.WriteAsync(Ack(call.ResponseStream.Current), _timeout.Token);
        }
        return (call, responses);
    }

    [Fact]
    public async Task Stream_ClientCancels_ConnectionRemoved()
    {
        var call = _client.StreamResources(cancellationToken: _timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = FrontendNode() }, _timeout.Token);
        await Eventually.TrueAsync(() => _server.Registry.Count == 1, "the proxy to connect");

        call.Dispose();

        await Eventually.TrueAsync(() => _server.Registry.Count == 0, "the connection to be removed");
    }

    [Fact]
    public async Task Stream_ClientCompletesRequests_EndsOkAndConnectionRemoved()
    {
        using var call = _client.StreamResources(cancellationToken: _timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = FrontendNode(), TypeUrl = TypeUrls.Cluster }, _timeout.Token);
        await Eventually.TrueAsync(() => _server.Registry.Count == 1, "the proxy to connect");

        await call.RequestStream.CompleteAsync();
        await foreach (var _ in call.ResponseStream.ReadAllAsync(_timeout.Token))
        {
        }

        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal(0, _server.Registry.Count);
    }

    [Fact]
    public async Task Stream_FirstRequestWithoutNodeId_InvalidArgumentAndNothingRegistered()
    {
        using var call = _client.StreamResources(cancellationToken: _timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = TypeUrls.Cluster, Node = new Node { WorkloadName = "frontend-v1" } }, _timeout.Token);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(_timeout.Token));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("node.id", error.Status.Detail);
        Assert.Equal(0, _server.Registry.Count);
    }

    [Fact]
    public async Task Stop_WithAnOpenStream_StreamEndsUnavailableAndStopDoesNotWaitForIt()
    {
        using var config = new TempDirectory();
        var server = ControlPlaneServer.Create(new ControlPlaneOptions { ConfigDirectory = config.Path, GrpcPort = 0, HttpPort = 0, AllowAnonymousDiscovery = true },
            TimeProvider.System, _ => { });
        await server.StartAsync(_timeout.Token);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamResources(cancellationToken: _timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = FrontendNode(), TypeUrl = TypeUrls.Cluster }, _timeout.Token);
        // The stream is open and served (a stop that cuts a response being written resets that stream instead).
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++) Assert.True(await call.ResponseStream.MoveNext(_timeout.Token));

        var stopped = server.DisposeAsync().AsTask();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync(_timeout.Token))
            {
            }
        });

        // Kestrel alone would wait 30 s for the open stream.
        await stopped.WaitAsync(TimeSpan.FromSeconds(10));
        // The handler ends the stream UNAVAILABLE; now and then Kestrel closes the connection before those trailers are
        // out, and the client reads a closed connection (INTERNAL). Either way the proxy reconnects at once.
        Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, $"{error.StatusCode}: {error.Status.Detail}");
        if (error.StatusCode == StatusCode.Unavailable) Assert.Equal("the control plane is shutting down", error.Status.Detail);
    }

    [Fact]
    public async Task DebugEndpoints_AfterStart_ReadyAndConfigzListResources()
    {
        using var http = new HttpClient();
        var ready = await http.GetAsync($"http://127.0.0.1:{_server.HttpPort}/ready", _timeout.Token);
        Assert.True(ready.IsSuccessStatusCode);

        var configz = await GetJsonAsync("/debug/configz");
        var resources = configz.GetProperty("resources").EnumerateArray().Select(r => $"{r.GetProperty("kind").GetString()}/{r.GetProperty("name").GetString()}").ToList();
        Assert.Contains("VirtualService/backend", resources);
        Assert.Contains("WorkloadEntry/backend-v2", resources);
        Assert.Empty(configz.GetProperty("rejected").EnumerateArray());
    }

    [Fact]
    public async Task DebugConfigz_FileWithFieldWithoutEffect_ShowsTheMessageOnItsResource()
    {
        _config.Write("pool.yaml", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: pool, namespace: default }
            spec:
              host: backend
              trafficPolicy:
                proxyProtocol: { version: V1 }
            """);

        JsonElement pool = default;
        await Eventually.TrueAsync(async () =>
        {
            var configz = await GetJsonAsync("/debug/configz");
            pool = configz.GetProperty("resources").EnumerateArray().FirstOrDefault(r => r.GetProperty("name").GetString() == "pool");
            return pool.ValueKind == JsonValueKind.Object;
        }, "pool.yaml in /debug/configz");

        // The folder's backend rule comes first by name, so pool's trafficPolicy is also reported as lost to it (MESH0003).
        var messages = pool.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["MESH0001", "MESH0003"], messages.Select(m => m.GetProperty("code").GetString()).Order(StringComparer.Ordinal));
        var message = messages.Single(m => m.GetProperty("code").GetString() == "MESH0001");
        Assert.Equal("spec.trafficPolicy.proxyProtocol", message.GetProperty("path").GetString());
        Assert.Equal(7, message.GetProperty("line").GetInt32());
    }
}
