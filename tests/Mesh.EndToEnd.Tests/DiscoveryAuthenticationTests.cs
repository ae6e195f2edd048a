using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Who may open a discovery stream on the running mesh: every proxy LocalMesh starts opens its own with its workload
/// certificate, and a stream forged with another workload's credentials is refused by the control plane process.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class DiscoveryAuthenticationTests(ObservabilityFixture fixture)
{
    private const string Istiod = "spiffe://cluster.local/ns/istio-system/sa/istiod";
    private const string BackendNode = "sidecar~backend-v1.default";
    private static readonly SpiffeId Frontend = new(SpiffeId.DefaultTrustDomain, "default", "frontend");

    [Fact]
    public async Task DiscoveryPort_RunningMesh_EveryProxyStreamsAsItsOwnIdentityByItsCertificate()
    {
        var proxies = await SynczProxiesAsync();

        Assert.Equal(
        [
            ("router~istio-ingressgateway.istio-system", "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"),
            ("sidecar~backend-v1.default", "spiffe://cluster.local/ns/default/sa/backend"),
            ("sidecar~backend-v2.default", "spiffe://cluster.local/ns/default/sa/backend"),
            ("sidecar~frontend-v1.default", Frontend.Uri),
        ], proxies.Select(p => (p.GetProperty("id").GetString(), p.GetProperty("identity").GetString())));
        Assert.All(proxies, p => Assert.Equal("client certificate", p.GetProperty("authenticatedBy").GetString()));
    }

    [Fact]
    public async Task DiscoveryPort_StreamForgedWithFrontendsCredentials_RefusedLoggedAndCountedAndTheRealProxyStaysSynced()
    {
        var deniedBefore = await AuthFailuresAsync("permission_denied");
        var unauthenticatedBefore = await AuthFailuresAsync("unauthenticated");
        // What frontend's sidecar holds: a certificate of the mesh's CA and a bootstrap token, both for frontend's identity.
        using var certificate = FrontendCertificate();
        var token = BootstrapToken.LoadOrCreate(fixture.Mesh.CaDir).Create(Frontend);

        var withCertificate = await RefusalAsync(certificate, token: null);
        var withToken = await RefusalAsync(clientCertificate: null, token);
        var withNothing = await RefusalAsync(clientCertificate: null, token: null);

        Assert.Equal((StatusCode.PermissionDenied, StatusCode.PermissionDenied, StatusCode.Unauthenticated),
            (withCertificate.StatusCode, withToken.StatusCode, withNothing.StatusCode));
        Assert.Contains($"{Frontend.Uri} may not claim node {BackendNode}", withCertificate.Status.Detail);
        Assert.Equal(deniedBefore + 2, await AuthFailuresAsync("permission_denied"));
        Assert.Equal(unauthenticatedBefore + 1, await AuthFailuresAsync("unauthenticated"));
        await MeshRun.WaitUntilAsync(() => Task.FromResult(fixture.Mesh.RecentOutput("control-plane")
                .Contains($"claiming {BackendNode}, authenticated as {Frontend.Uri}: PermissionDenied", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the control plane to log the refusal");
        var backend = (await SynczProxiesAsync()).Single(p => p.GetProperty("id").GetString() == BackendNode);
        Assert.Equal(("SYNCED", "spiffe://cluster.local/ns/default/sa/backend"),
            (backend.GetProperty("status").GetString(), backend.GetProperty("identity").GetString()));
    }

    /// <summary>Opens a stream as backend-v1's sidecar over TLS (istiod verified with the mesh's root) and returns how it was refused.</summary>
    private async Task<RpcException> RefusalAsync(X509Certificate2? clientCertificate, string? token)
    {
        var roots = TrustBundle.FromPem(await File.ReadAllTextAsync(Path.Combine(fixture.Mesh.CaDir, CertificateAuthorityFolder.RootCertFile)));
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 leaf
            && PeerCertificateVerifier.Verify(leaf, [], roots, DateTimeOffset.UtcNow, [Istiod]).IsVerified;
        if (clientCertificate is not null) handler.SslOptions.ClientCertificates = [clientCertificate];
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{fixture.Mesh.DiscoveryPort}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var headers = token is null ? null : new Metadata { { "authorization", "Bearer " + token } };
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamResources(headers, cancellationToken: timeout.Token);
        var node = new Node { Id = BackendNode, Role = ProxyRole.Sidecar, WorkloadName = "backend-v1", Namespace = "default", BindAddress = "127.0.0.1" };
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, timeout.Token);
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(timeout.Token));
    }

    private X509Certificate2 FrontendCertificate()
    {
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, Frontend)));
        var issued = ClientCertificateFiles.MeshCa(fixture.Mesh.CaDir, DateTimeOffset.UtcNow).Issue(request, Frontend, TimeSpan.FromHours(1));
        return WorkloadKey.Combine(issued.CertificatePem, key);
    }

    private async Task<List<JsonElement>> SynczProxiesAsync()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var syncz = JsonDocument.Parse(await client.GetStringAsync(new Uri(fixture.Mesh.ControlPlaneUrl, "/debug/syncz")));
        return [.. syncz.RootElement.EnumerateArray().Select(p => p.Clone())];
    }

    private async Task<double> AuthFailuresAsync(string reason)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var exposition = await client.GetStringAsync(new Uri(fixture.Mesh.ControlPlaneUrl, "/metrics"));
        var sample = Regex.Match(exposition, $@"^mesh_xds_auth_failures_total\{{reason=""{reason}""\}} (?<value>\S+)$", RegexOptions.Multiline);
        return sample.Success ? double.Parse(sample.Groups["value"].Value, CultureInfo.InvariantCulture) : 0;
    }
}
