using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Mesh.Proxy.Tests.Observability.Metrics;
using Mesh.Security;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Tcp;

/// <summary>Opaque TCP through the proxy: real clients, a real echo backend and real sidecars on 127.0.0.1.</summary>
public sealed class TcpProxyTests
{
    private static Listener TcpListener(string name, TrafficDirection direction, params (string Cluster, uint Weight)[] clusters)
    {
        var listener = new Listener
        {
            Name = name, Address = "127.0.0.1", Port = (uint)FreePort.Next(), Direction = direction, Protocol = ListenerProtocol.Tcp,
        };
        foreach (var (cluster, weight) in clusters)
        {
            listener.TcpClusters.Add(new WeightedCluster { Name = cluster, Weight = weight });
        }

        return listener;
    }

    [Fact]
    public async Task ServeAsync_WeightedClusters_SplitsConnectionsByWeight()
    {
        await using var a = EchoServer.Start("a");
        await using var b = EchoServer.Start("b");
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("tcp", TrafficDirection.Outbound, ("a", 80), ("b", 20));
        await proxy.ApplyAsync([Cluster("a"), Cluster("b")], [Endpoints("a", a.Port), Endpoints("b", b.Port)], listener);
        var port = await proxy.ListenAsync(listener);

        var answers = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0 };
        for (var i = 0; i < 40; i++)
        {
            using var client = await TcpClientConnection.ConnectAsync(port);
            await client.SendAsync("hi");
            var answer = await client.ReadAsync("a:hi");
            answers[answer[..1]]++;
        }

        Assert.InRange(answers["a"], 24, 39);
        Assert.InRange(answers["b"], 1, 16);
        Assert.Equal(40, a.Connections + b.Connections);
    }

    [Fact]
    public async Task ServeAsync_ClientHalfCloses_FinReachesUpstreamWhichStillAnswers()
    {
        await using var echo = EchoServer.Start("x");
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("tcp", TrafficDirection.Outbound, ("echo", 100));
        await proxy.ApplyAsync([Cluster("echo")], [Endpoints("echo", echo.Port)], listener);
        var port = await proxy.ListenAsync(listener);
        using var client = await TcpClientConnection.ConnectAsync(port);

        await client.SendAsync("abc");
        Assert.Equal("x:abc", await client.ReadAsync("x:abc"));
        client.HalfClose();

        Assert.Equal("|fin", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task ServeAsync_PassthroughCluster_ReachesTheOriginalDestinationLabelledAsIstioDoes()
    {
        await using var echo = EchoServer.Start("outside");
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("virtualOutbound", TrafficDirection.Outbound, ("PassthroughCluster", 100));
        await proxy.ApplyAsync([Cluster("PassthroughCluster", policy: LoadBalancerPolicy.Passthrough)], [], listener);
        var port = await proxy.ListenAsync(listener, originalDestination: new IPEndPoint(IPAddress.Loopback, echo.Port));
        using (var client = await TcpClientConnection.ConnectAsync(port))
        {
            await client.SendAsync("ping");
            Assert.Equal("outside:ping", await client.ReadAsync("outside:ping"));
        }

        var exposition = await proxy.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 1);
        var closed = Exposition.Series(exposition, "istio_tcp_connections_closed_total", ("destination_service_name", "PassthroughCluster"));
        Assert.Equal(1, closed.Value);
        Assert.Equal("source", closed.Labels["reporter"]);
        Assert.Equal("unknown", closed.Labels["destination_service"]);
        Assert.Equal("tcp", closed.Labels["request_protocol"]);
        Assert.Equal("-", closed.Labels["response_flags"]);
        Assert.Equal(4, Exposition.Series(exposition, "istio_tcp_received_bytes_total", ("destination_service_name", "PassthroughCluster")).Value);
        // "outside:ping", then the "|fin" the server answered the client's close with.
        Assert.Equal(16, Exposition.Series(exposition, "istio_tcp_sent_bytes_total", ("destination_service_name", "PassthroughCluster")).Value);
        Promtool.AssertValid(exposition);
    }

    [Fact]
    public async Task ServeAsync_BlackHoleCluster_ClosedAtOnceWithNoHealthyUpstream()
    {
        await using var echo = EchoServer.Start("outside");
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("virtualOutbound", TrafficDirection.Outbound, ("BlackHoleCluster", 100));
        await proxy.ApplyAsync([Cluster("BlackHoleCluster")], [], listener);
        var port = await proxy.ListenAsync(listener, originalDestination: new IPEndPoint(IPAddress.Loopback, echo.Port));
        using var client = await TcpClientConnection.ConnectAsync(port);

        await client.SendAsync("ping");

        Assert.Equal("", await client.ReadToEndAsync());
        var exposition = await proxy.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 1);
        var closed = Exposition.Series(exposition, "istio_tcp_connections_closed_total", ("destination_service_name", "BlackHoleCluster"));
        Assert.Equal("UH", closed.Labels["response_flags"]);
        Assert.Equal(0, echo.Connections);
    }

    [Fact]
    public async Task ServeAsync_UpstreamRefusesTheConnection_ClosedWithUpstreamConnectFailure()
    {
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("tcp", TrafficDirection.Outbound, ("down", 100));
        var down = Cluster("down");
        down.ServiceHost = "down.default.svc.cluster.local";
        down.ServiceNamespace = "default";
        await proxy.ApplyAsync([down], [Endpoints("down", FreePort.Next())], listener);
        var port = await proxy.ListenAsync(listener);
        using var client = await TcpClientConnection.ConnectAsync(port);

        await client.SendAsync("ping");

        Assert.Equal("", await client.ReadToEndAsync());
        var exposition = await proxy.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 1);
        var closed = Exposition.Series(exposition, "istio_tcp_connections_closed_total", ("destination_service", "down.default.svc.cluster.local"));
        Assert.Equal("UF", closed.Labels["response_flags"]);
        Assert.Equal("down", closed.Labels["destination_service_name"]);
        Assert.Equal(1, Exposition.Series(exposition, "istio_tcp_connections_opened_total", ("response_flags", "UF")).Value);
    }

    [Fact]
    public async Task ServeAsync_NothingCarriedForTheIdleTimeout_Closed()
    {
        await using var echo = EchoServer.Start("x");
        await using var proxy = await TcpSidecar.StartAsync("frontend", limits: new Proxy.Listeners.ListenerLimits { IdleTimeout = TimeSpan.FromSeconds(1) });
        var listener = TcpListener("tcp", TrafficDirection.Outbound, ("echo", 100));
        await proxy.ApplyAsync([Cluster("echo")], [Endpoints("echo", echo.Port)], listener);
        var port = await proxy.ListenAsync(listener);
        using var client = await TcpClientConnection.ConnectAsync(port);

        // Traffic within the timeout keeps the connection: each exchange re-arms it. The gaps add up to more than the
        // timeout (so a timer that is not re-armed would fire), each well within it (so a busy machine does not).
        for (var i = 0; i < 4; i++)
        {
            await client.SendAsync("a");
            Assert.Equal("x:a", await client.ReadAsync("x:a"));
            await Task.Delay(TimeSpan.FromMilliseconds(400));
        }

        Assert.Equal("", await client.ReadToEndAsync());
    }

    [Theory]
    [InlineData(true)]    // DestinationRule tcp.idleTimeout, over the listener's hour
    [InlineData(false)]   // tcp.maxConnectionDuration: closed once that old, whatever it carries
    public async Task ServeAsync_ClusterIdleTimeoutOrMaxDuration_ClosesTheConnection(bool idle)
    {
        await using var echo = EchoServer.Start("x");
        await using var proxy = await TcpSidecar.StartAsync("frontend");
        var listener = TcpListener("tcp", TrafficDirection.Outbound, ("echo", 100));
        var cluster = Cluster("echo");
        cluster.ConnectionPool = idle ? new ConnectionPool { TcpIdleTimeoutMs = 300 } : new ConnectionPool { MaxConnectionDurationMs = 300 };
        await proxy.ApplyAsync([cluster], [Endpoints("echo", echo.Port)], listener);
        var port = await proxy.ListenAsync(listener);
        using var client = await TcpClientConnection.ConnectAsync(port);
        await client.SendAsync("a");
        Assert.Equal("x:a", await client.ReadAsync("x:a"));

        // Without the cluster's setting the listener's idle timeout (1 h) would hold it past the read's patience.
        Assert.Equal("", await client.ReadToEndAsync());
    }

    [Fact]
    public async Task ServeAsync_AuthorizationByPort_DeniesTheDeniedPortOnly_HttpOnlyFieldIgnoredInDeny()
    {
        await using var echo = EchoServer.Start("app");
        await using var proxy = await TcpSidecar.StartAsync("backend");
        var listener = TcpListener("virtualInbound", TrafficDirection.Inbound, ("inbound", 100));
        listener.Authorization = new Contracts.Discovery.Authorization
        {
            Policies =
            {
                // Istio on TCP: the HTTP-only method condition is ignored in a DENY rule, so it denies every connection to 9001.
                Policy("deny-9001", AuthorizationAction.Deny, Match(AuthorizationAttribute.Method, "GET"), Match(AuthorizationAttribute.DestinationPort, "9001")),
            },
        };
        await proxy.ApplyAsync([Cluster("inbound")], [Endpoints("inbound", echo.Port)], listener);
        var denied = await proxy.ListenAsync(listener, originalDestination: new IPEndPoint(IPAddress.Loopback, 9001));
        var allowed = await proxy.ListenAsync(listener, originalDestination: new IPEndPoint(IPAddress.Loopback, 9002));

        using (var client = await TcpClientConnection.ConnectAsync(allowed))
        {
            await client.SendAsync("ok");
            Assert.Equal("app:ok", await client.ReadAsync("app:ok"));
        }

        using (var client = await TcpClientConnection.ConnectAsync(denied))
        {
            await client.SendAsync("no");
            Assert.Equal("", await client.ReadToEndAsync());
        }

        Assert.Equal(1, echo.Connections);
        var exposition = await proxy.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 2);
        var closed = Exposition.Series(exposition, "istio_tcp_connections_closed_total", ("response_flags", "-"), ("connection_security_policy", "none"));
        Assert.Equal(2, closed.Value);
        Assert.Equal("destination", closed.Labels["reporter"]);
        Assert.Equal("backend", closed.Labels["destination_workload"]);
    }

    [Fact]
    public async Task ServeAsync_AllowRuleWithHttpOnlyField_NeverMatches()
    {
        await using var echo = EchoServer.Start("app");
        await using var proxy = await TcpSidecar.StartAsync("backend");
        var listener = TcpListener("virtualInbound", TrafficDirection.Inbound, ("inbound", 100));
        listener.Authorization = new Contracts.Discovery.Authorization
        {
            Policies = { Policy("allow-public", AuthorizationAction.Allow, Match(AuthorizationAttribute.Path, "/public*"), Match(AuthorizationAttribute.SourceIp, "127.0.0.0/8")) },
        };
        await proxy.ApplyAsync([Cluster("inbound")], [Endpoints("inbound", echo.Port)], listener);
        var port = await proxy.ListenAsync(listener);
        using var client = await TcpClientConnection.ConnectAsync(port);

        await client.SendAsync("no");

        Assert.Equal("", await client.ReadToEndAsync());
        Assert.Equal(0, echo.Connections);
    }

    [Fact]
    public async Task ServeAsync_SidecarToSidecarOverMutualTls_PeerIdentityCheckedAuthorizedAndReported()
    {
        var ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
        await using var echo = EchoServer.Start("app");
        await using var backend = await TcpSidecar.StartAsync("backend", new TestCertificateSource(() => ca, SidecarPair.BackendId, TimeSpan.FromHours(1)));
        await using var frontend = await TcpSidecar.StartAsync("frontend", new TestCertificateSource(() => ca, SidecarPair.FrontendId, TimeSpan.FromHours(1)));

        // Backend: two STRICT inbound TCP listeners, one allowing frontend's principal, one only someone else's.
        var open = TcpListener("virtualInbound_9000", TrafficDirection.Inbound, ("inbound|9000||", 100));
        open.TlsMode = InboundTlsMode.Strict;
        open.Authorization = new Contracts.Discovery.Authorization
        {
            Policies = { Policy("allow-frontend", AuthorizationAction.Allow, Match(AuthorizationAttribute.Principal, "cluster.local/ns/default/sa/frontend")) },
        };
        var closed = TcpListener("virtualInbound_9001", TrafficDirection.Inbound, ("inbound|9000||", 100));
        closed.TlsMode = InboundTlsMode.Strict;
        closed.Authorization = new Contracts.Discovery.Authorization
        {
            Policies = { Policy("allow-other", AuthorizationAction.Allow, Match(AuthorizationAttribute.Principal, "cluster.local/ns/default/sa/other")) },
        };
        await backend.ApplyAsync([Cluster("inbound|9000||")], [Endpoints("inbound|9000||", echo.Port)], open, closed);
        var openPort = await backend.ListenAsync(open, terminateMutualTls: true);
        var closedPort = await backend.ListenAsync(closed, terminateMutualTls: true);

        // Frontend: ISTIO_MUTUAL clusters expecting backend's identity.
        var toOpen = MeshTcpCluster("outbound|9000||echo.default.svc.cluster.local");
        var toClosed = MeshTcpCluster("outbound|9001||echo.default.svc.cluster.local");
        var outbound = TcpListener("echo_9000", TrafficDirection.Outbound, ("outbound|9000||echo.default.svc.cluster.local", 100));
        var outboundClosed = TcpListener("echo_9001", TrafficDirection.Outbound, ("outbound|9001||echo.default.svc.cluster.local", 100));
        await frontend.ApplyAsync(
            [toOpen, toClosed],
            [Endpoints(toOpen.Name, openPort), Endpoints(toClosed.Name, closedPort)],
            outbound, outboundClosed);
        var clientPort = await frontend.ListenAsync(outbound);
        var deniedPort = await frontend.ListenAsync(outboundClosed);

        using (var client = await TcpClientConnection.ConnectAsync(clientPort))
        {
            await client.SendAsync("hello");
            Assert.Equal("app:hello", await client.ReadAsync("app:hello"));
            client.HalfClose();
            Assert.Equal("|fin", await client.ReadToEndAsync());
        }

        using (var client = await TcpClientConnection.ConnectAsync(deniedPort))
        {
            await client.SendAsync("hello");
            Assert.Equal("", await client.ReadToEndAsync());
        }

        // Plaintext to a STRICT port never reaches the application.
        using (var plaintext = await TcpClientConnection.ConnectAsync(openPort))
        {
            await plaintext.SendAsync("hello");
            Assert.Equal("", await plaintext.ReadToEndAsync());
        }

        Assert.Equal(1, echo.Connections);
        var inbound = await backend.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 2);
        var served = Exposition.Series(inbound, "istio_tcp_connections_closed_total", ("destination_workload", "backend"), ("source_principal", SidecarPair.FrontendId.Uri), ("response_flags", "-"));
        Assert.Equal(2, served.Value);
        Assert.Equal("mutual_tls", served.Labels["connection_security_policy"]);
        Assert.Equal("destination", served.Labels["reporter"]);
        Assert.Equal(5, Exposition.Series(inbound, "istio_tcp_received_bytes_total", ("source_principal", SidecarPair.FrontendId.Uri)).Value);
        var reported = await frontend.ScrapeWhenAsync(e => Total(e, "istio_tcp_connections_closed_total") >= 2);
        var sent = Exposition.Series(reported, "istio_tcp_connections_closed_total", ("destination_service", "echo.default.svc.cluster.local"));
        Assert.Equal(2, sent.Value);
        Assert.Equal(SidecarPair.FrontendId.Uri, sent.Labels["source_principal"]);
        Assert.Equal("echo", sent.Labels["destination_service_name"]);
        Assert.Equal("unknown", sent.Labels["connection_security_policy"]);
        Promtool.AssertValid(inbound);
        Promtool.AssertValid(reported);
    }

    private static Cluster MeshTcpCluster(string name)
    {
        var cluster = Cluster(name);
        cluster.ServiceHost = "echo.default.svc.cluster.local";
        cluster.ServiceNamespace = "default";
        cluster.Tls = SidecarPair.IstioMutual(SidecarPair.BackendId);
        return cluster;
    }

    private static AuthorizationPolicy Policy(string name, AuthorizationAction action, params AuthorizationMatch[] when) =>
        new() { Name = name, Namespace = "default", Action = action, Rules = { new AuthorizationRule { When = { when } } } };

    private static AuthorizationMatch Match(AuthorizationAttribute attribute, string value) => new() { Attribute = attribute, Values = { value } };

    private static double Total(string exposition, string name) => exposition.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 2)..], System.Globalization.CultureInfo.InvariantCulture));
}
