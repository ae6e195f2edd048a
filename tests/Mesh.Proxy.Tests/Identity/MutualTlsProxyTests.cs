using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Mesh.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>Real sidecars on 127.0.0.1 with certificates from a test CA: PeerAuthentication modes on the inbound side, ISTIO_MUTUAL on the outbound side.</summary>
public sealed class MutualTlsProxyTests : IDisposable
{
    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly CertificateAuthority _otherCa = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));

    [Fact]
    public async Task Strict_ClientWithMeshCertificate_ServesSpiffeCertificateAndForwardsPeerIdentity()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), null);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);

        using var client = Issue(_ca, SidecarPair.FrontendId);
        var (status, body, server) = await MutualTlsClient.GetAsync(pair.InboundPort, client);

        Assert.Equal(200, status);
        Assert.Contains("URI=spiffe://cluster.local/ns/default/sa/frontend", body);
        Assert.Contains("By=spiffe://cluster.local/ns/default/sa/backend", body);
        Assert.Equal([SidecarPair.BackendId.Uri], UriSubjectAlternativeNames.Read(server!));
    }

    [Fact]
    public async Task Strict_NoClientCertificate_Refused()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), null);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await AssertMeshClientServedAsync(pair);

        await Assert.ThrowsAsync<HttpRequestException>(() => MutualTlsClient.GetAsync(pair.InboundPort, null));
    }

    [Fact]
    public async Task Strict_CertificateFromAnotherCa_Refused()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), null);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await AssertMeshClientServedAsync(pair);

        using var stranger = Issue(_otherCa, SidecarPair.FrontendId);
        await Assert.ThrowsAsync<HttpRequestException>(() => MutualTlsClient.GetAsync(pair.InboundPort, stranger));
    }

    [Fact]
    public async Task Strict_Plaintext_Refused()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), null);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await AssertMeshClientServedAsync(pair);

        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync($"http://127.0.0.1:{pair.InboundPort}/"));
    }

    [Fact]
    public async Task Permissive_PlaintextAndMutualTls_BothServedOnOnePortAndForgedXfccDropped()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), null);
        await pair.ConfigureBackendAsync(InboundTlsMode.Permissive);

        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{pair.InboundPort}/");
        request.Headers.Add("x-forwarded-client-cert", "URI=spiffe://cluster.local/ns/default/sa/admin");
        using var plainResponse = await plain.SendAsync(request);
        Assert.Equal("xfcc=", await plainResponse.Content.ReadAsStringAsync());

        using var client = Issue(_ca, SidecarPair.FrontendId);
        var (status, body, _) = await MutualTlsClient.GetAsync(pair.InboundPort, client);
        Assert.Equal(200, status);
        Assert.Contains("URI=spiffe://cluster.local/ns/default/sa/frontend", body);
    }

    [Fact]
    public async Task IstioMutual_SidecarToSidecar_AppSeesTheCallersIdentity()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId));
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));

        await AssertAppSeesFrontendAsync(pair);
    }

    [Theory]
    [InlineData(UpstreamProtocol.Http2, 1)]        // the default between sidecars: one multiplexed connection
    [InlineData(UpstreamProtocol.Unspecified, 1)]  // an opaque port's cluster, should HTTP reach it: h2 as well
    [InlineData(UpstreamProtocol.Http1, 3)]        // h2UpgradePolicy DO_NOT_UPGRADE: a connection per request in flight
    [InlineData(UpstreamProtocol.Downstream, 3)]   // a detected port: the HTTP/1.1 client's protocol, as in Istio
    public async Task IstioMutual_ClusterProtocol_DecidesHowTheHopBetweenSidecarsIsSpoken(UpstreamProtocol protocol, int connections)
    {
        Assert.Equal(connections, await InboundConnectionsWithThreeHeldAsync(protocol, pool: null));
    }

    [Theory]
    [InlineData(0u, 1)]  // as many streams as the server sidecar allows: one connection
    [InlineData(1u, 3)]  // a connection per request in flight
    [InlineData(2u, 2)]
    public async Task IstioMutual_MaxConcurrentStreams_SpreadsTheRequestsOverMoreConnections(uint maxConcurrentStreams, int connections)
    {
        var pool = new ConnectionPool { MaxConcurrentStreams = maxConcurrentStreams, MaxRetries = 5 };

        Assert.Equal(connections, await InboundConnectionsWithThreeHeldAsync(UpstreamProtocol.Http2, pool));
    }

    [Fact]
    public async Task IstioMutual_CaSigningWithAnIntermediate_EachSideChainsThroughWhatThePeerSent()
    {
        // Each side's chain policy holds the roots alone: the intermediate only comes from the peer's handshake.
        using var intermediateCa = IntermediateOf(_ca);
        await using var pair = await SidecarPair.StartAsync(
            new TestCertificateSource(() => intermediateCa, SidecarPair.BackendId, TimeSpan.FromHours(1)),
            new TestCertificateSource(() => intermediateCa, SidecarPair.FrontendId, TimeSpan.FromHours(1)));
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));

        await AssertAppSeesFrontendAsync(pair);
    }

    [Fact]
    public async Task IstioMutual_MaxRequestsPerConnectionOne_GivesEachRequestItsOwnHttp2Connection()
    {
        // maxRequestsPerConnection 1 on the h2 hop, where "Connection: close" has no meaning: three at once, three connections.
        var pool = new ConnectionPool { MaxRequestsPerConnection = 1, MaxRetries = 5 };

        Assert.Equal(3, await InboundConnectionsWithThreeHeldAsync(UpstreamProtocol.Http2, pool));
    }

    [Theory]
    [InlineData("1.1", HttpProtocols.Http1, "HTTP/1.1")]
    [InlineData("2.0", HttpProtocols.Http2, "HTTP/2")]   // gRPC on a port whose protocol is detected: h2 on both hops and to the app
    public async Task IstioMutual_ClustersFollowingTheClient_TheAppGetsTheProtocolTheClientSpoke(string clientVersion, HttpProtocols appProtocols, string atTheApp)
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId),
            app: context => context.Response.WriteAsync(context.Request.Protocol), appProtocols: appProtocols);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict, protocol: UpstreamProtocol.Downstream);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId), protocol: UpstreamProtocol.Downstream);

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{pair.OutboundPort}/")
        {
            Version = Version.Parse(clientVersion), VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await app.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(atTheApp, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IstioMutual_GatewayWithNoEndpointOfItsOwn_ReportsItsCertificateAsSourcePrincipal()
    {
        await using var pair = await SidecarPair.StartAsync(
            Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId), frontendRole: ProxyRole.Router);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
        Assert.Equal(200, (int)response.StatusCode);

        // Istio's client side reports the URI SAN of the certificate it presented upstream, a gateway's too.
        using var admin = SidecarPair.Admin(pair.Frontend);
        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(admin, 1), "istio_requests_total", ("reporter", "source"));
        Assert.Equal(SidecarPair.FrontendId.Uri, series.Labels["source_principal"]);
        Assert.Equal("frontend-v1", series.Labels["source_workload"]);
    }

    [Fact]
    public async Task IstioMutual_GatewayOverPlaintext_ReportsNoSourcePrincipal()
    {
        await using var pair = await SidecarPair.StartAsync(
            Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId), frontendRole: ProxyRole.Router);
        await pair.ConfigureBackendAsync(InboundTlsMode.Permissive);
        await pair.ConfigureFrontendAsync(null);

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
        Assert.Equal(200, (int)response.StatusCode);

        using var admin = SidecarPair.Admin(pair.Frontend);
        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(admin, 1), "istio_requests_total", ("reporter", "source"));
        Assert.Equal("unknown", series.Labels["source_principal"]);
    }

    [Fact]
    public async Task IstioMutual_ServerIdentityNotExpected_RefusedWith503()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId));
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(new SpiffeId("cluster.local", "default", "reviews")));

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(0, pair.App.Requests);
    }

    [Fact]
    public async Task IstioMutual_DestinationIsPlaintextOnly_FailsRatherThanDowngrading()
    {
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId));
        await pair.ConfigureBackendAsync(InboundTlsMode.Disable);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
        Assert.Equal(503, (int)response.StatusCode);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
    }

    // The control: the port is up and a mesh client gets through, so a refusal below is the policy's doing.
    private async Task AssertMeshClientServedAsync(SidecarPair pair)
    {
        using var client = Issue(_ca, SidecarPair.FrontendId);
        Assert.Equal(200, (await MutualTlsClient.GetAsync(pair.InboundPort, client)).Status);
    }

    /// <summary>
    /// Three requests through frontend to backend's app, held there until all three have arrived: the connections open
    /// between the sidecars at that moment.
    /// </summary>
    private async Task<int> InboundConnectionsWithThreeHeldAsync(UpstreamProtocol protocol, ConnectionPool? pool)
    {
        var inFlight = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var pair = await SidecarPair.StartAsync(Source(SidecarPair.BackendId), Source(SidecarPair.FrontendId), app: async context =>
        {
            Interlocked.Increment(ref inFlight);
            await release.Task;
            await context.Response.WriteAsync("held");
        });
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId), protocol: protocol, pool: pool);

        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var requests = Enumerable.Range(0, 3).Select(_ => app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/")).ToArray();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (Volatile.Read(ref inFlight) < 3)
        {
            Assert.False(deadline.IsCancellationRequested, "timed out waiting for the three requests to reach the app");
            await Task.Delay(20);
        }

        var open = await InboundConnectionsAsync(pair);
        release.SetResult();
        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal("held", await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        return open;
    }

    /// <summary>The connections open on backend's inbound listener: one per connection frontend's cluster opened to it.</summary>
    private static async Task<int> InboundConnectionsAsync(SidecarPair pair)
    {
        using var admin = SidecarPair.Admin(pair.Backend);
        var text = await admin.GetStringAsync("/stats/prometheus");
        return (int)Exposition.Series(text, Mesh.Proxy.Listeners.ListenerMetrics.ActiveName, ("listener", $"virtualInbound_{pair.InboundPort}")).Value;
    }

    /// <summary>A request from frontend's app through both sidecars: answered, with frontend's identity reaching backend's app.</summary>
    private static async Task AssertAppSeesFrontendAsync(SidecarPair pair)
    {
        using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("URI=spiffe://cluster.local/ns/default/sa/frontend", await response.Content.ReadAsStringAsync());
    }

    /// <summary>A CA that signs with an intermediate under <paramref name="root"/>'s root, in the same trust bundle.</summary>
    private static CertificateAuthority IntermediateOf(CertificateAuthority root)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=cluster.local, CN=Intermediate", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var signed = request.Create(root.Signing, root.Signing.NotBefore, now.AddHours(12), [7, 7, 7]);
        return new CertificateAuthority(signed.CopyWithPrivateKey(key), [], root.Bundle, "cluster.local", TimeProvider.System);
    }

    private TestCertificateSource Source(SpiffeId identity) => new(() => _ca, identity, TimeSpan.FromHours(1));

    private static X509Certificate2 Issue(CertificateAuthority ca, SpiffeId identity)
    {
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        return WorkloadKey.Combine(ca.Issue(request, identity, TimeSpan.FromHours(1)).CertificatePem, key);
    }
}
