// Builders for the certificates tests need: CAs, intermediates, workload keys and signed SVIDs.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

internal static class TestCa
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static SpiffeId Backend => new("cluster.local", "default", "backend");

    public static (X509Certificate2 Certificate, ECDsa Key) Issue(CertificateAuthority ca, SpiffeId identity, TimeSpan? lifetime = null)
    {
        var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        var issued = ca.Issue(request, identity, lifetime ?? CertificateAuthority.DefaultWorkloadLifetime);
        return (X509Certificate2.CreateFromPem(issued.CertificatePem), key);
    }

    /// <summary>Writes Istio's cacerts layout: a root, and an intermediate CA signed by it that does the signing.</summary>
    public static void WriteIntermediateLayout(string folder, FakeTimeProvider time)
    {
        using var root = CertificateAuthority.CreateSelfSigned("cluster.local", time, TimeSpan.FromDays(365));
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("O=cluster.local, CN=Intermediate CA", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.Signing, true, false));
        using var intermediate = request.Create(root.Signing, time.GetUtcNow().AddMinutes(-1), time.GetUtcNow().AddDays(100), [1, 2, 3, 4]);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "ca-cert.pem"), intermediate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "ca-key.pem"), intermediateKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(folder, "root-cert.pem"), root.Signing.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "cert-chain.pem"), intermediate.ExportCertificatePem() + "\n" + root.Signing.ExportCertificatePem());
    }
}
