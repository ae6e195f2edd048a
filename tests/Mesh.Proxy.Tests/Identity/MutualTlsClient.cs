using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>A test's own TLS client to a sidecar's inbound port: optional client certificate, records the server certificate it saw.</summary>
internal static class MutualTlsClient
{
    public static async Task<(int Status, string Body, X509Certificate2? Server)> GetAsync(int port, X509Certificate2? clientCertificate)
    {
        X509Certificate2? server = null;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            // A new connection, so a new handshake, for every request.
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                // The test inspects the server certificate itself; the mesh's own checks are tested through the sidecars.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    server = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return true;
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"https://127.0.0.1:{port}/");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), server);
    }
}
