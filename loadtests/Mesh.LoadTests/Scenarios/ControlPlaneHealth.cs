using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.Meshctl.Local;
using Mesh.Security;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// The gRPC scenario's client: grpc.health.v1.Health/Check on the control plane's gRPC port (TLS, istiod's
/// certificate, trusted through the mesh's root), as loadtests/k6/grpc.js calls it. The sample app serves no gRPC.
/// </summary>
internal sealed class ControlPlaneHealth : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Health.HealthClient _client;

    public ControlPlaneHealth(LocalMesh mesh, int maxInFlight)
    {
        var root = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(mesh.CaDir, CertificateAuthorityFolder.RootCertFile)));
        var handler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = maxInFlight > 100 };
        // The certificate names istiod, not 127.0.0.1: what matters here is that it chains to the mesh's root.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, sent, _) => certificate is X509Certificate2 served && ChainsTo(served, sent, root);
        _channel = GrpcChannel.ForAddress($"https://127.0.0.1:{mesh.DiscoveryPort}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _client = new Health.HealthClient(_channel);
    }

    public async Task<RequestOutcome> CheckAsync(CancellationToken cancellationToken)
    {
        var answer = await _client.CheckAsync(new HealthCheckRequest(), cancellationToken: cancellationToken);
        return new RequestOutcome(Failed: answer.Status != HealthCheckResponse.Types.ServingStatus.Serving);
    }

    public void Dispose() => _channel.Dispose();

    private static bool ChainsTo(X509Certificate2 served, X509Chain? sent, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        // The intermediates come with the handshake; fetching them (AIA) would wait on a network that is not there.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (sent is not null)
        {
            foreach (var element in sent.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(served);
    }
}
