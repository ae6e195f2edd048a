// Checks the control plane's TLS certificate the way Istio's proxies do: it must chain to the CA root bundle and carry istiod's SPIFFE id.
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.Proxy.Identity;

/// <summary>
/// The root bundle is read from its file on every handshake (handshakes to the control plane are rare), so a root
/// rotation that rewrites root-cert.pem reaches the proxy without a restart. A refusal throws with the reason: the
/// discovery client and the certificate rotator log it as why they could not connect.
/// </summary>
internal sealed class ControlPlaneCertificateValidator(string rootFile, TimeProvider time)
{
    /// <summary>istiod's identity: the only one a proxy accepts from its control plane.</summary>
    public const string ExpectedIdentity = "spiffe://cluster.local/ns/istio-system/sa/istiod";

    private static readonly string[] Expected = [ExpectedIdentity];

    public string RootFile => rootFile;

    /// <summary>A RemoteCertificateValidationCallback: true, or an <see cref="AuthenticationException"/> saying why not.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var target = (sender as SslStream)?.TargetHostName ?? "the control plane";
        if (certificate is null)
        {
            throw Refused(target, "it sent no certificate");
        }

        TrustBundle bundle;
        try
        {
            bundle = TrustBundle.FromPem(File.ReadAllText(rootFile));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw Refused(target, $"the CA root bundle {rootFile} cannot be read: {ex.Message}");
        }

        // Our own chain check against the bundle and the SPIFFE id replaces the platform's (system roots, host name).
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var intermediates = new List<X509Certificate2>();
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                intermediates.Add(element.Certificate);
            }
        }

        var verification = PeerCertificateVerifier.Verify(leaf, intermediates, bundle, time.GetUtcNow(), Expected);
        return verification.IsVerified ? true : throw Refused(target, $"{verification.Error} (trust bundle {rootFile})");
    }

    private static AuthenticationException Refused(string target, string reason) =>
        new($"refused the control plane's certificate at {target}: {reason}");
}
