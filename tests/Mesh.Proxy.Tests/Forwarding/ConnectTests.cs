using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Mesh.Security;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// CONNECT is refused with 403 on every kind of listener, as Envoy does when its connection manager does not allow
/// it (Istio allows only WebSocket upgrades): neither routed to the app as a plain request nor tunnelled.
/// </summary>
public sealed class ConnectTests : IDisposable
{
    private const string Connect = "CONNECT backend:443 HTTP/1.1\r\nHost: backend:443\r\n\r\n";

    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));

    [Fact]
    public async Task Gateway_Connect_Answers403AndNeverReachesTheUpstream()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));

        var response = await RawHttp.ExchangeAsync(port, Connect);

        Assert.StartsWith("HTTP/1.1 403 ", response);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal(1, Exposition.Series(metrics, "istio_requests_total", ("response_code", "403")).Value);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task SidecarOutboundAndInbound_Connect_Answer403AndNeverReachTheApp()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId));
        await pair.ConfigureBackendAsync(InboundTlsMode.Permissive);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));

        Assert.StartsWith("HTTP/1.1 403 ", await RawHttp.ExchangeAsync(pair.OutboundPort, Connect));
        Assert.StartsWith("HTTP/1.1 403 ", await RawHttp.ExchangeAsync(pair.InboundPort, Connect));

        Assert.Equal(0, pair.App.Requests);
    }

    public void Dispose() => _ca.Dispose();

    private TestCertificateSource Source(SpiffeId identity) => new(() => _ca, identity, TimeSpan.FromHours(1));
}
