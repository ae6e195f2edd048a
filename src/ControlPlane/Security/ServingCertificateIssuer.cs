// Issues the control plane's own TLS serving certificate from its CA, as istiod does for its gRPC port.
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// A fresh ECDSA P-256 key per certificate, signed by the CA's signing certificate. The certificate carries istiod's
/// SPIFFE id (what proxies verify) and DNS/IP SANs for the addresses proxies dial, so tools such as openssl and curl
/// can check it by name too.
/// </summary>
internal static class ServingCertificateIssuer
{
    /// <summary>istiod's service account in istio-system, the identity Istio's proxies expect of the control plane.</summary>
    public static SpiffeId Identity(string trustDomain) => new(trustDomain, "istio-system", "istiod");

    // Covers clocks a little behind ours, so a fresh certificate is valid for every proxy at once.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(1);

    /// <param name="extraNames">More names the certificate must carry: DNS names, or IP addresses as IP SANs (the webhook
    /// port's <c>istiod.&lt;namespace&gt;.svc</c> names, which the API server checks).</param>
    public static SslStreamCertificateContext Issue(CertificateAuthority authority, IPAddress listenAddress, TimeSpan lifetime, DateTimeOffset now,
        IReadOnlyList<string>? extraNames = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(string.Empty), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "serverAuth")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority.Signing, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(Identity(authority.TrustDomain).Uri));
        san.AddDnsName("localhost");
        san.AddDnsName("istiod.istio-system.svc");
        san.AddIpAddress(IPAddress.Loopback);
        if (!listenAddress.Equals(IPAddress.Loopback) && !listenAddress.Equals(IPAddress.Any) && !listenAddress.Equals(IPAddress.IPv6Any))
        {
            san.AddIpAddress(listenAddress);
        }

        foreach (var name in extraNames ?? [])
        {
            if (IPAddress.TryParse(name, out var address)) san.AddIpAddress(address);
            else san.AddDnsName(name);
        }

        // The subject is empty, so the SAN must be critical (RFC 5280 4.2.1.6).
        request.CertificateExtensions.Add(san.Build(critical: true));

        var notAfter = now + lifetime;
        if (notAfter > authority.Signing.NotAfter)
        {
            notAfter = authority.Signing.NotAfter;
        }

        using var signed = Sign(request, authority.Signing, now - Backdate, notAfter);
        using var withKey = signed.CopyWithPrivateKey(key);
        // Re-imported so that SslStream can use the key on every platform (not an ephemeral handle).
        var leaf = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        foreach (var pem in authority.ChainPem)
        {
            chain.Add(X509Certificate2.CreateFromPem(pem));
        }

        return SslStreamCertificateContext.Create(leaf, chain, offline: true);
    }

    private static X509Certificate2 Sign(CertificateRequest request, X509Certificate2 signing, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Positive and without a leading zero byte, as DER integers want.
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        using var ecdsa = signing.GetECDsaPrivateKey();
        if (ecdsa is not null)
        {
            return request.Create(signing.SubjectName, X509SignatureGenerator.CreateForECDsa(ecdsa), notBefore, notAfter, serial);
        }

        using var rsa = signing.GetRSAPrivateKey() ?? throw new InvalidOperationException("The CA key is neither ECDSA nor RSA.");
        return request.Create(signing.SubjectName, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), notBefore, notAfter, serial);
    }
}
