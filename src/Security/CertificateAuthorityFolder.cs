// Loads the CA from Istio's cacerts layout in a folder, or creates a self-signed root there on first start.
namespace Mesh.Security;

/// <summary>
/// Istio's plugged-in CA files: ca-cert.pem (the signing CA), ca-key.pem, root-cert.pem (one or more roots: the
/// trust bundle) and cert-chain.pem (ca-cert up to the root). A self-signed root is persisted in the same layout.
/// </summary>
public static class CertificateAuthorityFolder
{
    public const string CaCertFile = CertificateAuthorityPem.CaCert;
    public const string CaKeyFile = CertificateAuthorityPem.CaKey;
    public const string RootCertFile = CertificateAuthorityPem.RootCert;
    public const string CertChainFile = CertificateAuthorityPem.CertChain;

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
    public static CertificateAuthority Load(string folder, string trustDomain, TimeProvider time) => CertificateAuthorityPem.Load(
        name => File.Exists(Path.Combine(folder, name)) ? File.ReadAllText(Path.Combine(folder, name)) : null,
        name => Path.Combine(folder, name), "a CA folder", trustDomain, time);

    private static void Write(string folder, CertificateAuthority authority)
    {
        var (certPem, keyPem) = CertificateAuthorityPem.ExportSigning(authority);
        var keyPath = Path.Combine(folder, CaKeyFile);
        File.WriteAllText(keyPath, keyPem);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(Path.Combine(folder, RootCertFile), certPem);
        File.WriteAllText(Path.Combine(folder, CertChainFile), certPem);
        // Written last: its presence is what says the folder holds a CA.
        File.WriteAllText(Path.Combine(folder, CaCertFile), certPem);
    }
}
