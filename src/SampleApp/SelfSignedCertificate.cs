using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.SampleApp;

/// <summary>The HTTPS port's certificate: a server outside the mesh with no CA behind it, as many are; clients skip verification (curl -k).</summary>
internal static class SelfSignedCertificate
{
    /// <summary>A certificate for <paramref name="service"/> signed by its own key, valid for a day from now.</summary>
    public static X509Certificate2 Create(string service)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={service}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(service);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
