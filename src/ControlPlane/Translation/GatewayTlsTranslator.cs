// A Gateway server's TLS settings as the gateway proxy applies them: credential files, SNI hosts, protocol versions, httpsRedirect.
using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

internal static class GatewayTlsTranslator
{
    /// <summary>Local mode's stand-in for Kubernetes Secrets: a folder per credentialName under the config folder.</summary>
    public const string CredentialsFolder = "credentials";

    public static bool Terminates(Server server) =>
        server.Port is { } port
        && (port.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) || port.Protocol.Equals("TLS", StringComparison.OrdinalIgnoreCase))
        && server.Tls?.Mode is ServerTlsMode.Simple or ServerTlsMode.Mutual;

    public static GatewayTlsServer Translate(MeshSnapshot snapshot, GatewayModel gateway, Server server)
    {
        var tls = server.Tls!;
        var result = new GatewayTlsServer
        {
            RequireClientCertificate = tls.Mode == ServerTlsMode.Mutual,
            MinProtocolVersion = Version(tls.MinProtocolVersion),
            MaxProtocolVersion = Version(tls.MaxProtocolVersion),
        };
        foreach (var host in server.Hosts)
        {
            // "namespace/host": the SNI is the host part.
            var slash = host.IndexOf('/');
            result.Hosts.Add((slash < 0 ? host : host[(slash + 1)..]).ToLowerInvariant());
        }

        var credential = tls.CredentialName ?? (tls.CredentialNames.Count > 0 ? tls.CredentialNames[0] : null);
        if (credential is not null)
        {
            var folder = Path.Combine(snapshot.CredentialRoot, CredentialsFolder, credential);
            result.CertificateFile = Path.Combine(folder, "tls.crt");
            result.PrivateKeyFile = Path.Combine(folder, "tls.key");
            result.CaCertificatesFile = tls.Mode == ServerTlsMode.Mutual ? Path.Combine(folder, "ca.crt") : "";
            result.Origin = $"{gateway.Key} credentialName {credential}";
        }
        else
        {
            result.CertificateFile = tls.ServerCertificate ?? "";
            result.PrivateKeyFile = tls.PrivateKey ?? "";
            result.CaCertificatesFile = tls.CaCertificates ?? "";
            result.Origin = $"{gateway.Key} serverCertificate";
        }

        return result;
    }

    public static Route HttpsRedirectRoute() => new()
    {
        Name = "https-redirect",
        Match = RouteMatchTranslator.CatchAll(),
        Redirect = new RedirectAction { SchemeRedirect = "https", ResponseCode = 301 },
        Origin = new RouteOrigin(),
    };

    private static uint Version(TlsProtocol? protocol) => protocol switch
    {
        TlsProtocol.TlsV1_2 => 12,
        TlsProtocol.TlsV1_3 => 13,
        // TLS 1.0 and 1.1 are not offered at all; AUTO keeps the defaults.
        _ => 0,
    };
}
