using System.Net;
using System.Text.Json;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Discovery;

public sealed class DiscoveryClientTests
{
    [Fact]
    public async Task Subscribe_OnConnect_SendsOneRequestPerTypeWithNodeFirst()
    {
        var transport = new FakeDiscoveryTransport();
        var options = new ProxyOptions(ProxyRole.Sidecar, "backend-v1", "default", new Uri("http://127.0.0.1:1"), "127.0.0.1:8081", 15001, 0, "127.0.0.1", new Dictionary<string, string>());
        await using var app = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(1));
        await app.StartAsync();
        var stream = await transport.NextStreamAsync();

        var requests = new List<DiscoveryRequest>();
        for (var i = 0; i < 4; i++)
        {
            requests.Add(await stream.NextRequestAsync());
        }

        Assert.Equal(TypeUrls.PushOrder, requests.Select(r => r.TypeUrl));
        Assert.Equal("sidecar~backend-v1.default", requests[0].Node.Id);
        Assert.Equal("127.0.0.1:8081", requests[0].Node.AppAddress);
        Assert.All(requests.Skip(1), r => Assert.Null(r.Node));
        Assert.All(requests, r => Assert.Equal(string.Empty, r.VersionInfo));
        await app.StopAsync();
    }

    [Fact]
    public async Task Apply_BadRouteRegex_NacksAndKeepsServingTheOldRoutes()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/before")).StatusCode);

        var bad = Response(TypeUrls.Route, "2", Routes("http.80", Host("any", ["*"], ToCluster("backend", new RouteMatch { Path = Regex("(unclosed") }))));
        var answer = await proxy.Stream.PushAsync(bad);

        Assert.Equal(3, answer.ErrorDetail.Code);
        Assert.Contains("invalid regex '(unclosed'", answer.ErrorDetail.Message);
        Assert.Equal("1", answer.VersionInfo);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/after")).StatusCode);
        Assert.Equal("1", proxy.Snapshot.GetApplied(TypeUrls.Route).Version);
    }

    [Fact]
    public async Task Apply_ListenerCannotBind_NacksThatListenerUpdate()
    {
        using var occupied = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        var busyPort = ((IPEndPoint)occupied.LocalEndpoint).Port;
        await using var proxy = await TestProxy.StartAsync();

        var answer = await proxy.Stream.PushAsync(Response(TypeUrls.Listener, "1", Listener("http.80", busyPort, "http.80")));

        Assert.Equal(3, answer.ErrorDetail.Code);
        Assert.Contains($"cannot bind 127.0.0.1:{busyPort}", answer.ErrorDetail.Message);
        Assert.Equal(string.Empty, answer.VersionInfo);
    }

    [Fact]
    public async Task Apply_ListenerRemoved_StopsOnlyThatListener()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var (kept, removed) = (FreePort.Next(), FreePort.Next());
        await proxy.AckAsync(Response(TypeUrls.Cluster, "1", Cluster("backend")));
        await proxy.AckAsync(Response(TypeUrls.Endpoints, "1", Endpoints("backend", upstream.Port)));
        await proxy.AckAsync(Response(TypeUrls.Listener, "1", Listener("a", kept, "r"), Listener("b", removed, "r")));
        await proxy.AckAsync(Response(TypeUrls.Route, "1", Routes("r", Host("any", ["*"], ToCluster("backend")))));
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{removed}/")).StatusCode);

        await proxy.AckAsync(Response(TypeUrls.Listener, "2", Listener("a", kept, "r")));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{kept}/")).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync($"http://127.0.0.1:{removed}/"));
    }

    [Fact]
    public async Task Stream_ControlPlaneGoesAway_KeepsServingThenResubscribesWithAppliedVersions()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));

        proxy.Stream.Break();
        var reconnected = await proxy.Transport.NextStreamAsync();
        using var client = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{port}/still-serving")).StatusCode);

        var resubscribe = new List<DiscoveryRequest>();
        for (var i = 0; i < 4; i++)
        {
            resubscribe.Add(await reconnected.NextRequestAsync());
        }

        Assert.NotNull(resubscribe[0].Node);
        Assert.All(resubscribe, r => Assert.Equal("1", r.VersionInfo));
        Assert.All(resubscribe, r => Assert.Equal(string.Empty, r.ResponseNonce));
        var ack = await reconnected.PushAsync(Response(TypeUrls.Route, "2", Routes("http.80", Host("any", ["*"], ToCluster("backend")))));
        Assert.Equal("2", ack.VersionInfo);
    }

    [Fact]
    public async Task Admin_ReadyAndConfigDump_ReflectWhatWasApplied()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await proxy.Admin.GetAsync("/ready")).StatusCode);

        await proxy.ApplyAsync(
            [Cluster("outbound|9080||backend.default.svc.cluster.local")],
            [Endpoints("outbound|9080||backend.default.svc.cluster.local", upstream.Port)],
            Listener("http.80", FreePort.Next(), "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("outbound|9080||backend.default.svc.cluster.local"))));

        Assert.Equal(HttpStatusCode.OK, (await proxy.Admin.GetAsync("/ready")).StatusCode);
        using var dump = JsonDocument.Parse(await proxy.Admin.GetStringAsync("/config_dump"));
        var configs = dump.RootElement.GetProperty("configs");
        Assert.Equal("1", configs.GetProperty("rds").GetProperty("version_info").GetString());
        Assert.Equal("outbound|9080||backend.default.svc.cluster.local", configs.GetProperty("cds").GetProperty("resources")[0].GetProperty("name").GetString());
        Assert.Equal(upstream.Port, configs.GetProperty("eds").GetProperty("resources")[0].GetProperty("endpoints")[0].GetProperty("port").GetInt32());
        Assert.Contains("/config_dump", await proxy.Admin.GetStringAsync("/"));
    }
}
