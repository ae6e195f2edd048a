// Loads the CA from Istio's cacerts layout in a folder, or creates a self-signed root there on first start.
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>
/// Istio's plugged-in CA files: ca-cert.pem (the signing CA), ca-key.pem, root-cert.pem (one or more roots: the
/// trust bundle) and cert-chain.pem (ca-cert up to the root). A self-signed root is persisted in the same layout.
/// </summary>
public static class CertificateAuthorityFolder
{
    public const string CaCertFile = "ca-cert.pem";
    public const string CaKeyFile = "ca-key.pem";
    public const string RootCertFile = "root-cert.pem";
    public const string CertChainFile = "cert-chain.pem";

    private static readonly TimeSpan SelfSignedRootLifetime = TimeSpan.FromDays(3650);

    /// <summary>Loads the CA in <paramref name="folder"/>, creating a self-signed root first when the folder holds none.</summary>
    public static CertificateAuthority LoadOrCreate(string folder, string trustDomain, TimeProvider time)
    {
        Directory.CreateDirectory(folder);
        if (!File.Exists(Path.Combine(folder, CaCertFile)))
        {
            using var created = CertificateAuthority.CreateSelfSigned(trustDomain, time, SelfSignedRootLifetime);
            Write(folder, created);
        }

        return Load(folder, trustDomain, time);
    }

    /// <summary>Loads the cacerts layout; throws <see cref="InvalidDataException"/> naming the file and what is wrong.</summary>
    public static CertificateAuthority Load(string folder, string trustDomain, TimeProvider time)
    {
        var certPath = Path.Combine(folder, CaCertFile);
        var keyPath = Path.Combine(folder, CaKeyFile);
        var rootPath = Path.Combine(folder, RootCertFile);
        var chainPath = Path.Combine(folder, CertChainFile);
        foreach (var path in new[] { certPath, keyPath, rootPath })
        {
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{path}: missing (a CA folder holds {CaCertFile}, {CaKeyFile}, {RootCertFile} and optionally {CertChainFile})");
            }
        }

        X509Certificate2 signing;
        try
        {
            signing = X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new InvalidDataException($"{certPath} with {keyPath}: not a certificate and its private key: {ex.Message}", ex);
        }

        var roots = ReadCertificates(rootPath);
        var intermediates = new List<X509Certificate2>();
        if (File.Exists(chainPath))
        {
            foreach (var certificate in ReadCertificates(chainPath))
            {
                var isRoot = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
                if (certificate.Thumbprint != signing.Thumbprint && !isRoot)
                {
                    intermediates.Add(certificate);
                }
            }
        }

        var bundle = new TrustBundle(roots);
        var check = PeerChainCheck(signing, intermediates, bundle, time);
        if (check is not null)
        {
            throw new InvalidDataException($"{certPath}: {check}");
        }

        return new CertificateAuthority(signing, intermediates, bundle, trustDomain, time);
    }

    private static void Write(string folder, CertificateAuthority authority)
    {
        // A trailing newline, so that `cat old-root.pem new-root.pem` makes a valid bundle.
        var certPem = authority.Signing.ExportCertificatePem() + "\n";
        var key = (System.Security.Cryptography.AsymmetricAlgorithm?)authority.Signing.GetECDsaPrivateKey() ?? authority.Signing.GetRSAPrivateKey()!;
        var keyPath = Path.Combine(folder, CaKeyFile);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(Path.Combine(folder, RootCertFile), certPem);
        File.WriteAllText(Path.Combine(folder, CertChainFile), certPem);
        // Written last: its presence is what says the folder holds a CA.
        File.WriteAllText(Path.Combine(folder, CaCertFile), certPem);
    }

    private static X509Certificate2Collection ReadCertificates(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            // Files concatenated without a newline between them still hold every certificate.
            collection.ImportFromPem(File.ReadAllText(path).Replace("-----END CERTIFICATE----------BEGIN", "-----END CERTIFICATE-----\n-----BEGIN", StringComparison.Ordinal));
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new InvalidDataException($"{path}: not PEM certificates: {ex.Message}", ex);
        }

        if (collection.Count == 0)
        {
            throw new InvalidDataException($"{path}: holds no certificate");
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
        return $"the CA certificate does not chain to a root of {RootCertFile}: {string.Join("; ", reasons)}";
    }
}
