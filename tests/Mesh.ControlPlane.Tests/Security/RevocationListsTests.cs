using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

/// <summary>caCrl as Envoy's crl: every certificate of a chain is looked up in its issuer's CRL, which must be signed by it.</summary>
public sealed class RevocationListsTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public void Check_LeafRevokedByItsCa_RefusedWithItsSubject()
    {
        using var ca = CreateCa("CN=Root", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        using var leaf = Issue(ca, "CN=leaf");
        var lists = RevocationLists.FromPem(Crl(ca, leaf));

        Assert.Contains("certificate 'CN=leaf'", lists.Check(Chain(ca, leaf), Now), StringComparison.Ordinal);
        using var other = Issue(ca, "CN=other");
        Assert.Null(lists.Check(Chain(ca, other), Now));
    }

    [Fact]
    public void Check_RsaCaAndAnIntermediate_EveryCaOfTheChainNeedsItsCrl()
    {
        using var root = CreateCa("CN=Root", RSA.Create(2048));
        using var intermediate = Issue(root, "CN=Intermediate", isCa: true);
        using var leaf = Issue(intermediate, "CN=leaf");
        var chain = Chain(root, leaf, intermediate);

        // The intermediate's CRL alone: the root's is missing, so the chain fails whatever it says.
        Assert.Contains("no CRL of 'CN=Root'", RevocationLists.FromPem(Crl(intermediate)).Check(chain, Now), StringComparison.Ordinal);
        Assert.Null(RevocationLists.FromPem(Crl(intermediate) + Crl(root)).Check(chain, Now));
        Assert.Contains("'CN=Intermediate'", RevocationLists.FromPem(Crl(intermediate) + Crl(root, intermediate)).Check(chain, Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CrlSignedByAnotherKeyUnderTheSameName_IsNotTheCas()
    {
        using var ca = CreateCa("CN=Root", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        using var impostor = CreateCa("CN=Root", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        using var leaf = Issue(ca, "CN=leaf");

        Assert.Contains("no CRL of 'CN=Root'", RevocationLists.FromPem(Crl(impostor)).Check(Chain(ca, leaf), Now), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_CrlPastItsNextUpdate_Fails()
    {
        using var ca = CreateCa("CN=Root", ECDsa.Create(ECCurve.NamedCurves.nistP256));
        using var leaf = Issue(ca, "CN=leaf");
        var lists = RevocationLists.FromPem(Crl(ca));

        Assert.Contains("expired", lists.Check(Chain(ca, leaf), Now.AddDays(2)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    [InlineData("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")]
    public void FromPem_NoCrl_ThrowsSayingWhy(string pem) => Assert.Throws<ArgumentException>(() => RevocationLists.FromPem(pem));

    private static string Crl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked) builder.AddEntry(certificate);
        var padding = ca.GetRSAPublicKey() is null ? null : RSASignaturePadding.Pkcs1;
        return PemEncoding.WriteString("X509 CRL", builder.Build(ca, 1, Now.AddDays(1), HashAlgorithmName.SHA256, padding, Now.AddMinutes(-1))) + "\n";
    }

    private static X509ChainElementCollection Chain(X509Certificate2 root, X509Certificate2 leaf, params X509Certificate2[] intermediates)
    {
        var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf));
        return chain.ChainElements;
    }

    private static X509Certificate2 CreateCa(string subject, AsymmetricAlgorithm key)
    {
        using (key)
        {
            var request = key is RSA rsa
                ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            return request.CreateSelfSigned(Now.AddMinutes(-5), Now.AddDays(1));
        }
    }

    /// <summary>A certificate <paramref name="issuer"/> signs (with its key, RSA or ECDSA); a CA keeps its own key, to sign a CRL.</summary>
    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, bool isCa = false)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        if (isCa) request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issuerRsa = issuer.GetRSAPrivateKey();
        using var certificate = issuerRsa is not null
            ? request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerRsa, RSASignaturePadding.Pkcs1), Now.AddMinutes(-4), Now.AddHours(12), serial)
            : request.Create(issuer, Now.AddMinutes(-4), Now.AddHours(12), serial);
        if (isCa) return certificate.CopyWithPrivateKey(key);
        key.Dispose();
        return X509CertificateLoader.LoadCertificate(certificate.RawData);
    }
}
