using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Tests.Discovery;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Interop;

/// <summary>
/// Wire compatibility proven by an independent implementation: grpc-js clients (client.js, loading our .proto with
/// proto-loader) against the real discovery, CA and health services of a control plane on 127.0.0.1, over TLS
/// verified with the CA's root bundle, authenticating as a workload would.
/// </summary>
public sealed class GrpcJsClientInteropTests : IAsyncLifetime
{
    private const string ProxyId = "sidecar~frontend-v1.default";
    private const int PermissionDenied = 7;
    private const int Unauthenticated = 16;
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly TempDirectory _files = new();
    private SecuredControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await SecuredControlPlane.StartAsync();

    public async Task DisposeAsync()
    {
        await _controlPlane.DisposeAsync();
        _files.Dispose();
    }

    private string Port => _controlPlane.Server.GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string[] Tls => ["--root", _controlPlane.RootFile];

    [Fact]
    public async Task StreamResources_GrpcJsClientWithWorkloadCertificate_AcksEveryResponseSyncedInSynczUntilItEndsTheStream()
    {
        await using var client = NodePeer.Start("client.js", [Port, "discovery", ProxyId, .. Tls, .. ClientCertificate(SecuredControlPlane.Frontend)]);

        var acked = await client.ReadEventAsync("acked");
        var responses = acked.GetProperty("responses").EnumerateArray().ToList();
        Assert.Equal(TypeUrls.PushOrder, responses.Select(r => r.GetProperty("type_url").GetString()));
        Assert.Contains("outbound", responses[3].GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        await Eventually.TrueAsync(async () => (await _controlPlane.SynczProxyAsync(ProxyId))?.GetProperty("status").GetString() == "SYNCED", "syncz to show the grpc-js proxy SYNCED");
        var proxy = (await _controlPlane.SynczProxyAsync(ProxyId))!.Value;
        Assert.Equal(responses[0].GetProperty("version_info").GetString(), proxy.GetProperty("types").GetProperty("cds").GetProperty("ackedVersion").GetString());
        Assert.Equal((SecuredControlPlane.Frontend.Uri, "client certificate"), (proxy.GetProperty("identity").GetString(), proxy.GetProperty("authenticatedBy").GetString()));

        await client.CompleteInputAsync();
        var status = await client.ReadEventAsync("status");

        Assert.Equal(0, status.GetProperty("code").GetInt32());
        await Eventually.TrueAsync(() => _controlPlane.Server.Registry.Count == 0, "the connection to be removed");
    }

    [Fact]
    public async Task StreamResources_GrpcJsClientCertificateClaimingAnotherWorkload_PermissionDenied()
    {
        await using var client = NodePeer.Start("client.js", [Port, "discovery", "sidecar~backend-v1.default", .. Tls, .. ClientCertificate(SecuredControlPlane.Frontend)]);

        var status = await client.ReadEventAsync("status");

        Assert.Equal(PermissionDenied, status.GetProperty("code").GetInt32());
        Assert.Contains("may not claim node sidecar~backend-v1.default", status.GetProperty("details").GetString());
        Assert.Equal(0, _controlPlane.Server.Registry.Count);
    }

    [Fact]
    public async Task StreamResources_GrpcJsClientTokenClaimingAnotherWorkload_PermissionDenied()
    {
        await using var client = NodePeer.Start("client.js",
            [Port, "discovery", "sidecar~backend-v1.default", .. Tls, "--token", _controlPlane.Token(SecuredControlPlane.Frontend)]);

        var status = await client.ReadEventAsync("status");

        Assert.Equal(PermissionDenied, status.GetProperty("code").GetInt32());
        Assert.Equal(0, _controlPlane.Server.Registry.Count);
    }

    [Fact]
    public async Task CreateCertificate_GrpcJsClientWithBootstrapToken_ChainVerifiesAgainstTheBundle()
    {
        using var key = WorkloadKey.Create();
        await using var client = NodePeer.Start("client.js", [Port, "certificate", _controlPlane.Token(Backend), .. Tls]);

        await client.CompleteInputAsync(WorkloadKey.CreateSigningRequestPem(key, Backend));
        var result = await client.ReadEventAsync("status");

        Assert.Equal(0, result.GetProperty("code").GetInt32());
        using var leaf = X509Certificate2.CreateFromPem(result.GetProperty("cert_chain")[0].GetString());
        var verification = PeerCertificateVerifier.Verify(leaf, [], TrustBundle.FromPem(result.GetProperty("trust_bundle").GetString()!),
            DateTimeOffset.UtcNow, [Backend.Uri]);
        Assert.True(verification.IsVerified, verification.Error);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task CreateCertificate_GrpcJsClientWithForgedToken_Unauthenticated()
    {
        using var key = WorkloadKey.Create();
        var forged = new BootstrapToken(new byte[32]).Create(Backend);
        await using var client = NodePeer.Start("client.js", [Port, "certificate", forged, .. Tls]);

        await client.CompleteInputAsync(WorkloadKey.CreateSigningRequestPem(key, Backend));
        var result = await client.ReadEventAsync("status");

        Assert.Equal(Unauthenticated, result.GetProperty("code").GetInt32());
        Assert.Contains("not one this control plane issued", result.GetProperty("details").GetString());
    }

    [Fact]
    public async Task HealthCheck_GrpcJsClient_Serving()
    {
        await using var client = NodePeer.Start("client.js", [Port, "health", .. Tls]);

        var result = await client.ReadEventAsync("status");

        Assert.Equal(0, result.GetProperty("code").GetInt32());
        Assert.Equal("SERVING", result.GetProperty("serving").GetString());
    }

    /// <summary>The client.js options presenting a certificate of the control plane's CA for <paramref name="identity"/>, as PEM files.</summary>
    private string[] ClientCertificate(SpiffeId identity)
    {
        using var certificate = _controlPlane.Certificate(identity);
        using var key = certificate.GetECDsaPrivateKey()!;
        return ["--cert", _files.Write(identity.ServiceAccount + ".pem", certificate.ExportCertificatePem()),
                "--key", _files.Write(identity.ServiceAccount + "-key.pem", key.ExportPkcs8PrivateKeyPem())];
    }
}
