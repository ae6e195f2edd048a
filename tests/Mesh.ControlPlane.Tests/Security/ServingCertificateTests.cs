using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Security;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

/// <summary>The gRPC port over TLS with istiod's identity from the CA, and its rotation on a fake clock without dropping connections.</summary>
public sealed class ServingCertificateTests : IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly TempDirectory _root = new();
    private readonly FakeTimeProvider _time = new();
    private ControlPlaneServer _server = null!;
    private string _caDir = null!;

    public async Task InitializeAsync()
    {
        var config = Directory.CreateDirectory(Path.Combine(_root.Path, "config")).FullName;
        _caDir = Path.Combine(_root.Path, "ca");
        _server = ControlPlaneServer.Create(
            new ControlPlaneOptions { ConfigDirectory = config, CaDirectory = _caDir, GrpcPort = 0, HttpPort = 0, ServingCertificateLifetime = Lifetime },
            _time, _ => { });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task GrpcPort_TlsHandshake_PresentsIstiodIdentityChainedToTheCaRoot()
    {
        using var certificate = await HandshakeAsync();

        var bundle = TrustBundle.FromPem(await File.ReadAllTextAsync(Path.Combine(_caDir, CertificateAuthorityFolder.RootCertFile)));
        var verification = PeerCertificateVerifier.Verify(certificate, [], bundle, _time.GetUtcNow(), ["spiffe://cluster.local/ns/istio-system/sa/istiod"]);
        Assert.True(verification.IsVerified, verification.Error);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.Equal(Lifetime + TimeSpan.FromMinutes(1), certificate.NotAfter.ToUniversalTime() - certificate.NotBefore.ToUniversalTime());
    }

    [Fact]
    public async Task ServingCertificate_PastRenewalPoint_NewHandshakesGetANewCertificateAndOpenConnectionsKeepServing()
    {
        var connections = 0;
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            ConnectCallback = async (context, token) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{_server.GrpcPort}", new GrpcChannelOptions { HttpHandler = handler });
        var tokens = BootstrapToken.LoadOrCreate(_caDir);
        await SignAsync(channel, tokens);
        using var before = await HandshakeAsync();

        _time.Advance(Lifetime * 0.85);

        Assert.Equal(2, _server.Serving!.Issued);
        using var after = await HandshakeAsync();
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.True(after.NotAfter > before.NotAfter);
        // The connection made before the rotation still carries calls: rotation drops nothing.
        await SignAsync(channel, tokens);
        Assert.Equal(1, connections);
    }

    private static async Task SignAsync(GrpcChannel channel, BootstrapToken tokens)
    {
        using var key = WorkloadKey.Create();
        var headers = new Metadata { { "authorization", "Bearer " + tokens.Create(Backend) } };
        var response = await new CertificateService.CertificateServiceClient(channel).CreateCertificateAsync(
            new CreateCertificateRequest { Csr = WorkloadKey.CreateSigningRequestPem(key, Backend) }, headers, DateTime.UtcNow.AddSeconds(30));
        Assert.NotEmpty(response.CertChain);
    }

    private async Task<X509Certificate2> HandshakeAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, _server.GrpcPort);
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
        });
        Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }
}
