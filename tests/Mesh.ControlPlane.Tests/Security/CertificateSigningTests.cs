using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts;
using Mesh.Contracts.Security;
using Mesh.ControlPlane.Security;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

/// <summary>CreateCertificate on the real server over Grpc.Net.Client: what it signs, and every kind of abuse it refuses.</summary>
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
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.GrpcPort}");
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
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(null, WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task CreateCertificate_TokenOfAnotherSecret_Unauthenticated()
    {
        using var key = WorkloadKey.Create();
        var forged = new BootstrapToken(new byte[32]).Create(Backend);
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(forged, WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task CreateCertificate_CsrForAnotherIdentity_PermissionDenied()
    {
        using var key = WorkloadKey.Create();
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_tokens.Create(Frontend), WorkloadKey.CreateSigningRequestPem(key, Backend)));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("sa/frontend", error.Status.Detail);
        Assert.Contains("sa/backend", error.Status.Detail);
    }

    [Fact]
    public async Task CreateCertificate_MalformedCsr_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_tokens.Create(Backend), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("malformed CSR", error.Status.Detail);
    }

    [Fact]
    public async Task CreateCertificate_Rsa1024_InvalidArgumentNamingTheKeySize()
    {
        using var rsa = RSA.Create(1024);
        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_tokens.Create(Backend), WorkloadKey.CreateSigningRequestPem(rsa, Backend)));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("1024 bits", error.Status.Detail);
    }

    [Fact]
    public async Task CreateCertificate_RequestOverMaxSize_ResourceExhaustedBeforeAnyCheck()
    {
        var huge = new string('A', GrpcMessageLimits.MaxRequestSize);

        var error = await Assert.ThrowsAsync<RpcException>(() => CallAsync(_tokens.Create(Backend), huge));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
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

    private async Task<CreateCertificateResponse> CallAsync(string? token, string csr) =>
        await new CertificateService.CertificateServiceClient(_channel).CreateCertificateAsync(new CreateCertificateRequest { Csr = csr },
            token is null ? null : new Metadata { { "authorization", "Bearer " + token } }, DateTime.UtcNow.AddSeconds(10));
}
