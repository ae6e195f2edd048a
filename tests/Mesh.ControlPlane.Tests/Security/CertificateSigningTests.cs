using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Security;
using Mesh.ControlPlane.Security;
using Mesh.Grpc;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

/// <summary>CreateCertificate on the real server over our gRPC: what it signs, and every kind of abuse it refuses.</summary>
public sealed class CertificateSigningTests : IAsyncLifetime
{
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");
    private static readonly SpiffeId Frontend = new("cluster.local", "default", "frontend");

    private readonly TempDirectory _root = new();
    private ControlPlaneServer _server = null!;
    private GrpcChannel _channel = null!;
    private BootstrapToken _tokens = null!;

    public async Task InitializeAsync()
    {
        var config = Directory.CreateDirectory(Path.Combine(_root.Path, "config")).FullName;
        var ca = Path.Combine(_root.Path, "ca");
        _server = ControlPlaneServer.Create(
            new ControlPlaneOptions { ConfigDirectory = config, CaDirectory = ca, GrpcPort = 0, HttpPort = 0, WorkloadCertificateLifetime = TimeSpan.FromHours(1) },
            TimeProvider.System, _ => { });
        await _server.StartAsync();
        _tokens = BootstrapToken.LoadOrCreate(ca);
        _channel = new GrpcChannel(new Uri($"http://127.0.0.1:{_server.GrpcPort}"));
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task CreateCertificate_ValidTokenAndCsr_ReturnsSvidThatVerifiesAgainstTheBundle()
    {
        using var key = WorkloadKey.Create();
        var response = await CallAsync(_tokens.Create(Backend), WorkloadKey.CreateSigningRequestPem(key, Backend));

        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
        var bundle = TrustBundle.FromPem(response.TrustBundle);
        var verification = PeerCertificateVerifier.Verify(leaf, [], bundle, DateTimeOffset.UtcNow, [Backend.Uri]);
        Assert.True(verification.IsVerified, verification.Error);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        Assert.InRange(leaf.NotAfter - DateTime.Now, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));
    }

    [Fact]
    public async Task CreateCertificate_NoToken_Unauthenticated()
    {
        using var key = WorkloadKey.Create();
        var error = await Assert.ThrowsAsync<GrpcException>(() => CallAsync(null, WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(GrpcStatusCode.Unauthenticated, error.Status);
    }

    [Fact]
    public async Task CreateCertificate_TokenOfAnotherSecret_Unauthenticated()
    {
        using var key = WorkloadKey.Create();
        var forged = new BootstrapToken(new byte[32]).Create(Backend);
        var error = await Assert.ThrowsAsync<GrpcException>(() => CallAsync(forged, WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(GrpcStatusCode.Unauthenticated, error.Status);
    }

    [Fact]
    public async Task CreateCertificate_CsrForAnotherIdentity_PermissionDenied()
    {
        using var key = WorkloadKey.Create();
        var error = await Assert.ThrowsAsync<GrpcException>(() => CallAsync(_tokens.Create(Frontend), WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(GrpcStatusCode.PermissionDenied, error.Status);
        Assert.Contains("sa/frontend", error.Detail);
        Assert.Contains("sa/backend", error.Detail);
    }

    [Fact]
    public async Task CreateCertificate_MalformedCsr_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<GrpcException>(() => CallAsync(_tokens.Create(Backend), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
        Assert.Equal(GrpcStatusCode.InvalidArgument, error.Status);
        Assert.Contains("malformed CSR", error.Detail);
    }

    [Fact]
    public async Task CreateCertificate_Rsa1024_InvalidArgumentNamingTheKeySize()
    {
        using var rsa = RSA.Create(1024);
        var error = await Assert.ThrowsAsync<GrpcException>(() => CallAsync(_tokens.Create(Backend), WorkloadKey.CreateSigningRequestPem(rsa, Backend)));
        Assert.Equal(GrpcStatusCode.InvalidArgument, error.Status);
        Assert.Contains("1024 bits", error.Detail);
    }

    [Fact]
    public async Task DebugCertz_AfterIssuing_ListsTheCertificate()
    {
        using var key = WorkloadKey.Create();
        var response = await CallAsync(_tokens.Create(Backend), WorkloadKey.CreateSigningRequestPem(key, Backend));
        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);

        using var http = new HttpClient();
        using var json = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{_server.HttpPort}{CertificateDebugEndpoint.Path}"));
        var issued = json.RootElement.GetProperty("issued").EnumerateArray().Single();
        Assert.Equal(Backend.Uri, issued.GetProperty("identity").GetString());
        Assert.Equal(leaf.SerialNumber, issued.GetProperty("serial").GetString());
        Assert.Single(json.RootElement.GetProperty("trust_bundle").EnumerateArray());
    }

    private Task<CreateCertificateResponse> CallAsync(string? token, string csr) =>
        _channel.UnaryAsync(CertificateSigningHandler.Method, new CreateCertificateRequest { Csr = csr },
            new GrpcCallOptions(TimeSpan.FromSeconds(10), Headers: token is null ? null : new Dictionary<string, string> { ["authorization"] = "Bearer " + token }));
}
