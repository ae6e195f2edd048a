using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Harness;

/// <summary>
/// The certificates of the nginx pair's mutual TLS, as PEM files: a CA and a server and a client certificate it
/// signed, ECDSA P-256 as the mesh's own CA issues, made afresh for each run and valid for a day.
/// </summary>
internal sealed record HarnessCertificates(string Authority, string ServerCertificate, string ServerKey, string ClientCertificate, string ClientKey)
{
    /// <summary>The name the client side verifies in the server's certificate.</summary>
    public const string ServerName = "nginx-server.harness.test";

    public static HarnessCertificates Write(string dir)
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        var notAfter = notBefore.AddDays(1);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=harness CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        var files = new HarnessCertificates(
            Path.Combine(dir, "ca.pem"),
            Path.Combine(dir, "server.pem"), Path.Combine(dir, "server-key.pem"),
            Path.Combine(dir, "client.pem"), Path.Combine(dir, "client-key.pem"));
        File.WriteAllText(files.Authority, ca.ExportCertificatePem());
        Issue(ca, ServerName, "1.3.6.1.5.5.7.3.1", 1, notBefore, notAfter, files.ServerCertificate, files.ServerKey);
        Issue(ca, "nginx-client.harness.test", "1.3.6.1.5.5.7.3.2", 2, notBefore, notAfter, files.ClientCertificate, files.ClientKey);
        return files;
    }

    private static void Issue(X509Certificate2 ca, string dnsName, string usage, byte serial, DateTimeOffset notBefore, DateTimeOffset notAfter, string certificateFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        using var certificate = request.Create(ca, notBefore, notAfter, [serial]);
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
