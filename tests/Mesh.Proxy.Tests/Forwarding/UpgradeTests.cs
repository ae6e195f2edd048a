using System.Net.WebSockets;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Tests.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Mesh.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;
using static Mesh.Tests.Shared.WebSocketEcho;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// WebSocket through the proxy: an HTTP/1.1 upgrade reaches the app through a gateway, and across two sidecars
/// whose mTLS hop speaks HTTP/2 it travels as an extended CONNECT (RFC 8441) and is upgraded again for the app.
/// The route's timeouts bound the wait for the upgrade's answer, not the connection it opens; the idle timeout does.
/// </summary>
public sealed class UpgradeTests : IDisposable
{
    // The route, per-try or idle timeout of the tests that shorten one.
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);

    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));

    [Fact]
    public async Task Gateway_WebSocketUpgrade_EchoedByHttp11Upstream()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.WebSocketEcho);
        var (proxy, port) = await StartGatewayAsync(upstream, new RouteAction());
        await using var owned = proxy;

        using var socket = await ConnectAsync(port, "backend");
        await AssertEchoesAsync(socket, "hello through the gateway");

        await CloseAsync(socket);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal(1, Exposition.Series(metrics, "istio_requests_total", ("response_code", "101")).Value);
    }

    [Fact]
    public async Task Gateway_WebSocketOverHttp2_EchoedByHttp11Upstream()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.WebSocketEcho);
        var (proxy, port) = await StartGatewayAsync(upstream, new RouteAction());
        await using var owned = proxy;

        // h2c with prior knowledge: the WebSocket arrives as an extended CONNECT and leaves as an HTTP/1.1 upgrade.
        using var socket = await ConnectAsync(port, "backend", System.Net.HttpVersion.Version20);
        await AssertEchoesAsync(socket, "hello over HTTP/2");

        await CloseAsync(socket);
    }

    [Fact]
    public async Task Gateway_RouteTimeoutShorterThanTheConnection_WebSocketOutlivesIt()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.WebSocketEcho);
        var timeouts = new RouteAction { TimeoutMs = (uint)ShortTimeout.TotalMilliseconds, RetryPolicy = new RetryPolicy { PerTryTimeoutMs = (uint)ShortTimeout.TotalMilliseconds } };
        var (proxy, port) = await StartGatewayAsync(upstream, timeouts);
        await using var owned = proxy;

        using var socket = await ConnectAsync(port, "backend");
        await AssertEchoesAsync(socket, "before the route timeout");

        // Nothing to wait on but time itself: the timeouts would have fired three times over.
        await Task.Delay(3 * ShortTimeout);
        await AssertEchoesAsync(socket, "long after the route timeout");
        await CloseAsync(socket);
    }

    [Fact]
    public async Task Gateway_WebSocketIdleLongerThanTheStreamIdleTimeout_ClosedAndRecordedSI()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.WebSocketEcho);
        var (proxy, port) = await StartGatewayAsync(upstream, new RouteAction(), new ListenerLimits { StreamIdleTimeout = ShortTimeout });
        await using var owned = proxy;
        using var socket = await ConnectAsync(port, "backend");
        await AssertEchoesAsync(socket, "then silence");

        // The proxy ends the silent connection: the pending receive fails long before its own 10 s limit.
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<WebSocketException>(async () => await socket.ReceiveAsync(new byte[16], limit.Token));

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal("SI", Exposition.Series(metrics, "istio_requests_total", ("response_code", "101")).Labels["response_flags"]);
    }

    [Fact]
    public async Task Gateway_SpdyUpgrade_Answers403AndNeverReachesTheUpstream()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, port) = await StartGatewayAsync(upstream, new RouteAction());
        await using var owned = proxy;

        var response = await RawHttp.ExchangeAsync(port, "POST /exec HTTP/1.1\r\nHost: backend\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 403 ", response);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Gateway_H2cUpgrade_ForwardedWithoutTheUpgrade()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => context.Response.WriteAsync($"upgrade=[{context.Request.Headers.Upgrade}]"));
        var (proxy, port) = await StartGatewayAsync(upstream, new RouteAction());
        await using var owned = proxy;

        var response = await RawHttp.ExchangeAsync(port,
            "GET / HTTP/1.1\r\nHost: backend\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", untilBody: "]");

        Assert.StartsWith("HTTP/1.1 200 ", response);
        Assert.Contains("\r\nupgrade=[]\r\n", response);
    }

    [Theory]
    [InlineData(UpstreamProtocol.Http2, "200")]  // the default between sidecars: an extended CONNECT stream, answered 200
    [InlineData(UpstreamProtocol.Http1, "101")]  // h2UpgradePolicy DO_NOT_UPGRADE: an HTTP/1.1 upgrade on the hop too
    public async Task Sidecars_WebSocketAcrossMutualTls_EchoedByTheApp(UpstreamProtocol hop, string inboundCode)
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId), app: UpstreamServer.WebSocketEcho);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId), protocol: hop);

        var logs = new LogCapture();
        pair.Frontend.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        pair.Backend.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        using var socket = await ConnectAsync(pair.OutboundPort, "backend");
        await AssertEchoesAsync(socket, "hello across the sidecars");
        await AssertEchoesAsync(socket, new string('x', 100_000));
        await CloseAsync(socket);

        // Both hops recorded the session as one request (the client's 101, the hop's 200 over h2 or 101 over HTTP/1.1),
        // and a closed WebSocket is no failure: neither sidecar logged a thing about it.
        using var frontendAdmin = SidecarPair.Admin(pair.Frontend);
        using var backendAdmin = SidecarPair.Admin(pair.Backend);
        var outbound = await Exposition.ScrapeAfterRequestsAsync(frontendAdmin, 1);
        var inbound = await Exposition.ScrapeAfterRequestsAsync(backendAdmin, 1);
        Assert.Equal("-", Exposition.Series(outbound, "istio_requests_total", ("response_code", "101")).Labels["response_flags"]);
        Assert.Equal("-", Exposition.Series(inbound, "istio_requests_total", ("response_code", inboundCode)).Labels["response_flags"]);
        Assert.DoesNotContain(logs.Lines, line => line.EventId is >= 4000 and < 4100 || line.Exception is not null);
    }

    public void Dispose() => _ca.Dispose();

    private static async Task<(TestProxy Proxy, int Port)> StartGatewayAsync(UpstreamServer upstream, RouteAction action, ListenerLimits? limits = null)
    {
        var proxy = await TestProxy.StartAsync(limits: limits);
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], Forward(action, null, "chat", ("backend", 100)))));
        return (proxy, port);
    }

    private TestCertificateSource Source(SpiffeId identity) => new(() => _ca, identity, TimeSpan.FromHours(1));

    private static async Task<ClientWebSocket> ConnectAsync(int port, string host, Version? version = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", host);
        socket.Options.HttpVersion = version ?? System.Net.HttpVersion.Version11;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/chat"), invoker, timeout.Token);
        return socket;
    }
}
