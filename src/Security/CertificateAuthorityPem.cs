// Istio's plugged-in CA as PEM texts (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), wherever they are kept.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>
/// Loads and exports the cacerts layout: one reading of it for a folder (local mode) and a Secret (Kubernetes), so both
/// check the same things and say what is wrong the same way.
/// </summary>
public static class CertificateAuthorityPem
{
    public const string CaCert = "ca-cert.pem";
    public const string CaKey = "ca-key.pem";
    public const string RootCert = "root-cert.pem";
    public const string CertChain = "cert-chain.pem";

    /// <summary>
    /// Loads the CA from its entries; throws <see cref="InvalidDataException"/> naming the entry and what is wrong.
    /// </summary>
    /// <param name="read">An entry's text, or null when it is absent (an empty entry counts as absent).</param>
    /// <param name="where">How the user names an entry in an error: a file's path, or a Secret's key.</param>
    /// <param name="holder">What holds the entries, for the error about a missing one: "a CA folder", "the Secret".</param>
    public static CertificateAuthority Load(Func<string, string?> read, Func<string, string> where, string holder, string trustDomain, TimeProvider time)
    {
        string Required(string name) => NonEmpty(read(name))
            ?? throw new InvalidDataException($"{where(name)}: missing ({holder} holds {CaCert}, {CaKey}, {RootCert} and optionally {CertChain})");

        var certPem = Required(CaCert);
        var keyPem = Required(CaKey);
        var rootPem = Required(RootCert);
        X509Certificate2 signing;
        try
        {
            signing = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"{where(CaCert)} with {where(CaKey)}: not a certificate and its private key: {ex.Message}", ex);
        }

        var roots = ReadCertificates(rootPem, where(RootCert));
        var intermediates = new List<X509Certificate2>();
        if (NonEmpty(read(CertChain)) is { } chainPem)
        {
            foreach (var certificate in ReadCertificates(chainPem, where(CertChain)))
            {
                var isRoot = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
                if (certificate.Thumbprint != signing.Thumbprint && !isRoot)
                {
                    intermediates.Add(certificate);
                }
            }
        }

        var bundle = new TrustBundle(roots);
        if (PeerChainCheck(signing, intermediates, bundle, time) is { } check)
        {
            throw new InvalidDataException($"{where(CaCert)}: {check}");
        }

        return new CertificateAuthority(signing, intermediates, bundle, trustDomain, time);
    }

    /// <summary>The signing certificate and its private key (PKCS#8) as PEM, each ending in a newline.</summary>
    public static (string CertificatePem, string KeyPem) ExportSigning(CertificateAuthority authority)
    {
        // A trailing newline, so that `cat old-root.pem new-root.pem` makes a valid bundle.
        var certificatePem = authority.Signing.ExportCertificatePem() + "\n";
        using var key = (AsymmetricAlgorithm?)authority.Signing.GetECDsaPrivateKey() ?? authority.Signing.GetRSAPrivateKey()!;
        return (certificatePem, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static X509Certificate2Collection ReadCertificates(string pem, string where)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            // Files concatenated without a newline between them still hold every certificate.
            collection.ImportFromPem(pem.Replace("-----END CERTIFICATE----------BEGIN", "-----END CERTIFICATE-----\n-----BEGIN", StringComparison.Ordinal));
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"{where}: not PEM certificates: {ex.Message}", ex);
        }

        if (collection.Count == 0)
        {
            throw new InvalidDataException($"{where}: holds no certificate");
        }

        return collection;
    }

    // The signing certificate must chain to the bundle, or every certificate it issues would be refused by peers.
    private static string? PeerChainCheck(X509Certificate2 signing, List<X509Certificate2> intermediates, TrustBundle bundle, TimeProvider time)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(bundle.Roots);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (chain.Build(signing))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0);
        return $"the CA certificate does not chain to a root of {RootCert}: {string.Join("; ", reasons)}";
    }
}
