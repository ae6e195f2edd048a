// The proxy's side of identity: a fresh ECDSA P-256 key that never leaves the process, and the CSR that asks for an identity.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

public static class WorkloadKey
{
    public static ECDsa Create() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A PEM CSR signed by <paramref name="key"/> asking for <paramref name="identity"/> as its only URI SAN.</summary>
    public static string CreateSigningRequestPem(AsymmetricAlgorithm key, SpiffeId identity)
    {
        var request = key switch
        {
            ECDsa ecdsa => new CertificateRequest(new X500DistinguishedName(string.Empty), ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(new X500DistinguishedName(string.Empty), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}.", nameof(key)),
        };
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        request.CertificateExtensions.Add(san.Build(critical: true));
        return request.CreateSigningRequestPem();
    }

    /// <summary>The issued leaf joined with the key that stayed here, ready for TLS.</summary>
    public static X509Certificate2 Combine(string certificatePem, ECDsa key)
    {
        using var leaf = X509Certificate2.CreateFromPem(certificatePem);
        using var withKey = leaf.CopyWithPrivateKey(key);
        // Re-imported so that the key is usable by SslStream on every platform (not an ephemeral handle).
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
