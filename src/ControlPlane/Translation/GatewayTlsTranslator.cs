// A Gateway server's TLS settings as the gateway proxy applies them: credentials (Secrets or files), SNI hosts, protocol versions, httpsRedirect.
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

    /// <summary>The server's TLS termination; null when its credentialName names a Secret that cannot serve (the server is then not served).</summary>
    public static GatewayTlsServer? Translate(MeshSnapshot snapshot, GatewayModel gateway, Server server, string proxyNamespace)
    {
        var tls = server.Tls!;
        var result = new GatewayTlsServer
        {
            RequireClientCertificate = tls.Mode == ServerTlsMode.Mutual,
            MinProtocolVersion = Version(tls.MinProtocolVersion),
            MaxProtocolVersion = Version(tls.MaxProtocolVersion),
        };
        foreach (var name in tls.CipherSuites)
        {
            // An unknown name is the validator's warning, and left out, as Istio does.
            if (TlsCipherSuiteNames.Iana(name) is { } iana && !result.CipherSuites.Contains(iana)) result.CipherSuites.Add(iana);
        }

        if (tls.Mode == ServerTlsMode.Mutual)
        {
            result.ClientSubjectAltNames.AddRange(tls.SubjectAltNames);
            result.ClientSpkiSha256.AddRange(tls.VerifyCertificateSpki);
            result.ClientCertificateSha256.AddRange(tls.VerifyCertificateHash);
        }
        foreach (var host in server.Hosts)
        {
            // "namespace/host": the SNI is the host part.
            var slash = host.IndexOf('/');
            result.Hosts.Add((slash < 0 ? host : host[(slash + 1)..]).ToLowerInvariant());
        }

        var credential = tls.CredentialName ?? (tls.CredentialNames.Count > 0 ? tls.CredentialNames[0] : null);
        if (credential is not null && snapshot.Credentials is { } secrets)
        {
            var resolved = ResolveSecret(secrets, proxyNamespace, credential, tls.Mode == ServerTlsMode.Mutual, out _);
            if (resolved is null) return null;
            result.CertificatePem = resolved.Value.CertificatePem;
            result.PrivateKeyPem = resolved.Value.PrivateKeyPem;
            result.CaCertificatesPem = resolved.Value.CaCertificatesPem;
            // Istio: with credentialName the CRL is the credential's (ca.crl), never caCrl.
            if (tls.Mode == ServerTlsMode.Mutual) result.CaCrlPem = CrlOf(secrets, proxyNamespace, credential);
            result.Origin = $"{gateway.Key} credentialName {credential} (Secret {proxyNamespace}/{credential})";
        }
        else if (credential is not null)
        {
            var folder = Path.Combine(snapshot.CredentialRoot, CredentialsFolder, credential);
            result.CertificateFile = Path.Combine(folder, "tls.crt");
            result.PrivateKeyFile = Path.Combine(folder, "tls.key");
            result.CaCertificatesFile = tls.Mode == ServerTlsMode.Mutual ? Path.Combine(folder, "ca.crt") : "";
            result.CaCrlFile = tls.Mode == ServerTlsMode.Mutual && File.Exists(Path.Combine(folder, "ca.crl")) ? Path.Combine(folder, "ca.crl") : "";
            result.Origin = $"{gateway.Key} credentialName {credential}";
        }
        else
        {
            result.CertificateFile = tls.ServerCertificate ?? "";
            result.PrivateKeyFile = tls.PrivateKey ?? "";
            result.CaCertificatesFile = tls.CaCertificates ?? "";
            result.CaCrlFile = tls.Mode == ServerTlsMode.Mutual ? tls.CaCrl ?? "" : "";
            result.Origin = $"{gateway.Key} serverCertificate";
        }

        return result;
    }

    /// <summary>The CRLs of a credential: its Secret's ca.crl (or crl), else its <c>-cacert</c> Secret's, as the CA is found.</summary>
    public static string CrlOf(IReadOnlyDictionary<string, TlsCredentialModel> secrets, string ns, string name)
    {
        if (secrets.TryGetValue($"{ns}/{name}", out var secret) && secret is { Problem: null, CrlPem.Length: > 0 }) return secret.CrlPem;
        return secrets.TryGetValue($"{ns}/{name}{TlsCredentialModel.CaSecretSuffix}", out var ca) && ca.Problem is null ? ca.CrlPem : "";
    }

    /// <summary>
    /// Istio's credentialName rule on a cluster: the Secret of that name in the gateway proxy's namespace; for MUTUAL
    /// the client CA from the same Secret (ca.crt or cacert), else from the Secret <c>&lt;name&gt;-cacert</c>.
    /// </summary>
    /// <param name="problem">Why the server cannot be served, for the user; null when it can.</param>
    public static (string CertificatePem, string PrivateKeyPem, string CaCertificatesPem)? ResolveSecret(
        IReadOnlyDictionary<string, TlsCredentialModel> secrets, string ns, string name, bool mutual, out string? problem)
    {
        if (!secrets.TryGetValue($"{ns}/{name}", out var secret))
        {
            problem = $"Secret {ns}/{name} does not exist (or holds no tls.crt/tls.key or cert/key)";
            return null;
        }
        if (secret.Problem is { } bad)
        {
            problem = $"Secret {ns}/{name} cannot serve: {bad}";
            return null;
        }
        if (!secret.HasKeyPair)
        {
            problem = $"Secret {ns}/{name} holds no certificate and private key (tls.crt/tls.key or cert/key)";
            return null;
        }
        var ca = secret.CaCertificatesPem;
        if (mutual && ca.Length == 0)
        {
            var caName = name + TlsCredentialModel.CaSecretSuffix;
            if (!secrets.TryGetValue($"{ns}/{caName}", out var caSecret) || caSecret.Problem is not null || caSecret.CaCertificatesPem.Length == 0)
            {
                problem = $"MUTUAL needs client CA certificates: Secret {ns}/{name} has no ca.crt or cacert, and Secret {ns}/{caName} "
                    + (caSecret is null ? "does not exist" : caSecret.Problem ?? "has no ca.crt or cacert");
                return null;
            }
            ca = caSecret.CaCertificatesPem;
        }
        problem = null;
        return (secret.CertificatePem, secret.PrivateKeyPem, mutual ? ca : "");
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
