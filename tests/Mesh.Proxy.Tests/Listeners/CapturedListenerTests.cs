using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Mesh.Proxy.Tests.Tcp;
using System.Net.Sockets;
using Mesh.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// A captured sidecar's listeners, with iptables' redirect played by <see cref="FakeNat"/>: connections to 15001 and
/// 15006 handed to the listener of their original destination, served by its TLS mode and protocol.
/// </summary>
public sealed class CapturedListenerTests : IDisposable
{
    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly FakeNat _nat = new();

    [Fact]
    public async Task Handoff_ExactAddressThenWildcard_EachRoutedByItsOwnRouteConfig()
    {
        await using var a = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("A"));
        await using var b = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("B"));
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        await ApplyAsync(proxy, [("a", a.Port), ("b", b.Port)],
            [VirtualOutbound(capture), Handoff("0.0.0.0_9080", "0.0.0.0", 9080, ListenerProtocol.Http, "to-a"), Handoff("10.0.0.5_9080", "10.0.0.5", 9080, ListenerProtocol.Http, "to-b")],
            Routes("to-a", Host("a", ["*"], ToCluster("a"))), Routes("to-b", Host("b", ["*"], ToCluster("b"))), Routes("outbound", Host("a", ["*"], ToCluster("a"))));

        using var app = _nat.Client(capture);

        Assert.Equal("B", await app.GetStringAsync("http://10.0.0.5:9080/"));
        Assert.Equal("A", await app.GetStringAsync("http://10.0.0.6:9080/"));
    }

    [Fact]
    public async Task DirectClient_NoOriginalDestination_ServedAsTheHttpProxyOfLocalMode()
    {
        await using var a = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        await ApplyAsync(proxy, [("a", a.Port)], [VirtualOutbound(capture)], Routes("outbound", Host("a", ["a.example:80"], ToCluster("a"))));

        // As an application using the sidecar as its HTTP proxy: nothing redirected the connection.
        using var app = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{capture}"), UseProxy = true });
        var body = await app.GetStringAsync("http://a.example/items");

        Assert.StartsWith("GET /items\nhost=a.example", body);
    }

    [Fact]
    public async Task Passthrough_AuthorityNoVirtualHostTakes_GoesToTheOriginalDestinationAndIsReportedAsPassthroughCluster()
    {
        await using var a = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("A"));
        await using var outside = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("outside"));
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat, configure: SidecarRole);
        var capture = FreePort.Next();
        var fallthrough = Host("allow_any", ["*"], ToCluster(FallthroughCluster, name: "allow_any"));
        await ApplyAsync(proxy, [("a", a.Port)],
            [VirtualOutbound(capture), Handoff($"0.0.0.0_{outside.Port}", "0.0.0.0", outside.Port, ListenerProtocol.Http, "outbound")],
            Routes("outbound", Host("a", [$"a.example:{outside.Port}"], ToCluster("a")), fallthrough));

        using var app = _nat.Client(capture);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{outside.Port}/");
        // The Host names nothing the mesh knows, and no address: only the redirected connection says where it went.
        request.Headers.Host = "unknown.example";
        using var response = await app.SendAsync(request);

        Assert.Equal("outside", await response.Content.ReadAsStringAsync());
        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1), "istio_requests_total", ("reporter", "source"));
        Assert.Equal("PassthroughCluster", series.Labels["destination_service_name"]);
        Assert.Equal("unknown.example", series.Labels["destination_service"]);
    }

    [Fact]
    public async Task BlockAll_AuthorityNoVirtualHostTakes_Answers502ReportedAsBlackHoleCluster()
    {
        await using var outside = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("outside"));
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat, configure: SidecarRole);
        var capture = FreePort.Next();
        // REGISTRY_ONLY: Istio's block_all virtual host answers 502 itself.
        var blockAll = Host("block_all", ["*"], new Route { Name = "block_all", Match = new RouteMatch { Path = Prefix("/") }, DirectResponse = new DirectResponseAction { Status = 502 } });
        await ApplyAsync(proxy, [], [VirtualOutbound(capture), Handoff($"0.0.0.0_{outside.Port}", "0.0.0.0", outside.Port, ListenerProtocol.Http, "outbound")],
            Routes("outbound", blockAll));

        using var app = _nat.Client(capture);
        using var response = await app.GetAsync($"http://127.0.0.1:{outside.Port}/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(0, outside.Requests);
        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1), "istio_requests_total", ("reporter", "source"));
        Assert.Equal("BlackHoleCluster", series.Labels["destination_service_name"]);
        Assert.Equal("502", series.Labels["response_code"]);
        Assert.Equal($"127.0.0.1:{outside.Port}", series.Labels["destination_service"]);
    }

    [Fact]
    public async Task InboundCapture_PerPortTlsModes_StrictRefusesPlaintextPermissiveTakesBoth()
    {
        await using var app = await UpstreamServer.StartAsync(context => context.Response.WriteAsync($"xfcc={context.Request.Headers["x-forwarded-client-cert"]}"));
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat, configure: SidecarRole,
            certificateSource: new TestCertificateSource(() => _ca, SidecarPair.BackendId, TimeSpan.FromHours(1)));
        var capture = FreePort.Next();
        var strict = Inbound(8001, InboundTlsMode.Strict);
        var permissive = Inbound(8002, InboundTlsMode.Permissive);
        await ApplyAsync(proxy, [("inbound|app", app.Port)], [VirtualInbound(capture), strict, permissive],
            Routes("inbound|app", Host("inbound", ["*"], ToCluster("inbound|app"))));
        using var certificate = Issue(SidecarPair.FrontendId);
        using var plain = _nat.Client(capture);
        using var mutual = _nat.Client(capture, handler => handler.SslOptions = ClientTls(certificate));

        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetStringAsync("http://127.0.0.1:8001/"));
        Assert.Contains("URI=spiffe://cluster.local/ns/default/sa/frontend", await mutual.GetStringAsync("https://127.0.0.1:8001/"));
        Assert.Equal("xfcc=", await plain.GetStringAsync("http://127.0.0.1:8002/"));
        Assert.Contains("URI=spiffe://cluster.local/ns/default/sa/frontend", await mutual.GetStringAsync("https://127.0.0.1:8002/"));
    }

    [Fact]
    public async Task Auto_Http11AndPriorKnowledgeHttp2_SniffedAndRoutedByTheTargetListener()
    {
        await using var a = await UpstreamServer.StartAsync(context => context.Response.WriteAsync($"A {context.Request.Protocol}"), HttpProtocols.Http1AndHttp2);
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        var auto = Handoff("0.0.0.0_9090", "0.0.0.0", 9090, ListenerProtocol.Auto, "to-a");
        auto.TcpClusters.Add(new WeightedCluster { Name = "a", Weight = 100 });
        await ApplyAsync(proxy, [("a", a.Port)], [VirtualOutbound(capture), auto], Routes("to-a", Host("a", ["*"], ToCluster("a"))), Routes("outbound"));

        using var http1 = _nat.Client(capture);
        using var h2c = _nat.Client(capture);
        h2c.DefaultRequestVersion = HttpVersion.Version20;
        h2c.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;

        Assert.Equal("A HTTP/1.1", await http1.GetStringAsync("http://10.0.0.9:9090/"));
        using var response = await h2c.GetAsync("http://10.0.0.9:9090/");
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("A ", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Handoff_TcpListenerAndNoListener_PipedToItsClusterElseToTheOriginalDestination()
    {
        await using var db = EchoServer.Start("db");
        await using var outside = EchoServer.Start("outside");
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        var tcp = Handoff("10.0.0.5_3306", "10.0.0.5", 3306, ListenerProtocol.Tcp, "");
        tcp.TcpClusters.Add(new WeightedCluster { Name = "db", Weight = 100 });
        await ApplyAsync(proxy, [("db", db.Port)], [VirtualOutbound(capture), tcp], Routes("outbound"));

        Assert.Equal("db:ping", await ExchangeAsync(IPEndPoint.Parse("10.0.0.5:3306"), capture, "ping", "db:ping"));
        // No listener has 127.0.0.1:<port>: the capturing listener's own TCP, PassthroughCluster, to where the client meant.
        Assert.Equal("outside:ping", await ExchangeAsync(new IPEndPoint(IPAddress.Loopback, outside.Port), capture, "ping", "outside:ping"));
    }

    [Fact]
    public async Task Auto_TlsClientHello_IsTcpPipedWithItsBytesUnconsumed()
    {
        await using var echo = EchoServer.Start("tls");
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        var auto = Handoff("0.0.0.0_8443", "0.0.0.0", 8443, ListenerProtocol.Auto, "outbound");
        auto.TcpClusters.Add(new WeightedCluster { Name = "echo", Weight = 100 });
        await ApplyAsync(proxy, [("echo", echo.Port)], [VirtualOutbound(capture), auto], Routes("outbound"));

        // A TLS handshake record's first bytes: the echo shows they reached the cluster whole, sniffed but not eaten.
        Assert.Equal("tls:\u0016\u0003\u0001", await ExchangeAsync(IPEndPoint.Parse("10.0.0.9:8443"), capture, "\u0016\u0003\u0001", "tls:\u0016\u0003\u0001"));
    }

    [Fact]
    public async Task Auto_ServerFirstProtocol_SilentClientGoesTcpWithinTheDetectionTimeout()
    {
        using var server = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        server.Start();
        var greeting = GreetAsync(server);
        // The listener filters' deadline is long: only the detection timeout can make the silent connection TCP in time.
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat, limits: new() { ListenerFiltersTimeout = TimeSpan.FromSeconds(30) });
        var capture = FreePort.Next();
        var auto = Handoff("0.0.0.0_3306", "0.0.0.0", 3306, ListenerProtocol.Auto, "outbound");
        auto.TcpClusters.Add(new WeightedCluster { Name = "mysql", Weight = 100 });
        await ApplyAsync(proxy, [("mysql", ((IPEndPoint)server.LocalEndpoint).Port)], [VirtualOutbound(capture), auto], Routes("outbound"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        using var socket = await _nat.ConnectAsync(IPEndPoint.Parse("10.0.0.9:3306"), capture);
        var received = await ReadUntilAsync(new NetworkStream(socket), "220 ready", TimeSpan.FromSeconds(10));

        Assert.Equal("220 ready\r\n", received);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the greeting took {started.Elapsed}");
        await greeting;
    }

    [Fact]
    public async Task HandoffOnly_OpensNoSocket()
    {
        await using var proxy = await TestProxy.StartAsync(originalDestinations: _nat);
        var capture = FreePort.Next();
        var unbound = FreePort.Next();
        await ApplyAsync(proxy, [("a", 1)], [VirtualOutbound(capture), Handoff("127.0.0.1_unbound", "127.0.0.1", unbound, ListenerProtocol.Http, "outbound")],
            Routes("outbound", Host("a", ["*"], ToCluster("a"))));

        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync("127.0.0.1", unbound));
    }

    public void Dispose() => _ca.Dispose();

    /// <summary>Sends <paramref name="text"/> on a connection captured on its way to <paramref name="destination"/> and reads until <paramref name="expected"/> arrives.</summary>
    private async Task<string> ExchangeAsync(IPEndPoint destination, int capture, string text, string expected)
    {
        using var socket = await _nat.ConnectAsync(destination, capture);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync(Encoding.Latin1.GetBytes(text));
        return await ReadUntilAsync(stream, expected, TimeSpan.FromSeconds(10));
    }

    private static async Task<string> ReadUntilAsync(NetworkStream stream, string expected, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains(expected, StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>A server-first protocol (MySQL, SMTP): it speaks as soon as a client connects.</summary>
    private static async Task GreetAsync(System.Net.Sockets.TcpListener server)
    {
        using var client = await server.AcceptTcpClientAsync();
        // Its FIN follows the greeting: the client reads the greeting first all the same.
        await client.GetStream().WriteAsync("220 ready\r\n"u8.ToArray());
    }

    private const string FallthroughCluster = "PassthroughCluster";

    private static ProxyOptions SidecarRole(ProxyOptions options) => options with { Role = ProxyRole.Sidecar, App = "127.0.0.1:1" };

    private static async Task ApplyAsync(TestProxy proxy, (string Name, int Port)[] clusters, Listener[] listeners, params RouteConfiguration[] routes)
    {
        var clusterResources = new List<Google.Protobuf.IMessage>
        {
            Cluster(FallthroughCluster, policy: LoadBalancerPolicy.Passthrough),
            Cluster("InboundPassthroughCluster", policy: LoadBalancerPolicy.Passthrough),
        };
        var endpointResources = new List<Google.Protobuf.IMessage>
        {
            new ClusterLoadAssignment { ClusterName = FallthroughCluster },
            new ClusterLoadAssignment { ClusterName = "InboundPassthroughCluster" },
        };
        foreach (var (name, port) in clusters)
        {
            clusterResources.Add(Cluster(name));
            endpointResources.Add(Endpoints(name, port));
        }

        await proxy.AckAsync(Response(TypeUrls.Cluster, "1", [.. clusterResources]));
        await proxy.AckAsync(Response(TypeUrls.Endpoints, "1", [.. endpointResources]));
        await proxy.AckAsync(Response(TypeUrls.Listener, "1", listeners));
        await proxy.AckAsync(Response(TypeUrls.Route, "1", routes));
    }

    /// <summary>A captured sidecar's 15001 as the control plane sends it (ALLOW_ANY), with the explicit proxy's routes for direct clients.</summary>
    private static Listener VirtualOutbound(int port) => new()
    {
        Name = "virtualOutbound", Address = "127.0.0.1", Port = (uint)port, Direction = TrafficDirection.Outbound, UseOriginalDst = true,
        Protocol = ListenerProtocol.Tcp, RouteConfigName = "outbound", TcpClusters = { new WeightedCluster { Name = FallthroughCluster, Weight = 100 } },
    };

    private static Listener VirtualInbound(int port) => new()
    {
        Name = "virtualInbound", Address = "127.0.0.1", Port = (uint)port, Direction = TrafficDirection.Inbound, UseOriginalDst = true,
        Protocol = ListenerProtocol.Auto, TcpClusters = { new WeightedCluster { Name = "InboundPassthroughCluster", Weight = 100 } },
    };

    private static Listener Handoff(string name, string address, int port, ListenerProtocol protocol, string routes) => new()
    {
        Name = name, Address = address, Port = (uint)port, Direction = TrafficDirection.Outbound, HandoffOnly = true, Protocol = protocol, RouteConfigName = routes,
    };

    private static Listener Inbound(int port, InboundTlsMode mode) => new()
    {
        Name = $"virtualInbound_{port}", Address = "127.0.0.1", Port = (uint)port, Direction = TrafficDirection.Inbound, HandoffOnly = true,
        Protocol = ListenerProtocol.Http, RouteConfigName = "inbound|app", TlsMode = mode,
    };

    private X509Certificate2 Issue(SpiffeId identity)
    {
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        return WorkloadKey.Combine(_ca.Issue(request, identity, TimeSpan.FromHours(1)).CertificatePem, key);
    }

    private static SslClientAuthenticationOptions ClientTls(X509Certificate2 certificate) => new()
    {
        ClientCertificates = [certificate],
        // The sidecar's own checks of the client are under test; the test trusts whatever the sidecar presents.
        RemoteCertificateValidationCallback = (_, _, _, _) => true,
    };
}
