using System.Security.Cryptography.X509Certificates;

using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mesh-ca-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(TestCa.Now);

    [Fact]
    public void Issue_SelfSignedRoot_SvidHasOnlyTheSpiffeSanAndDefaultLifetime()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (leaf, key) = TestCa.Issue(ca, TestCa.Backend);
        using (key)
        using (leaf)
        {
            Assert.Equal(string.Empty, leaf.Subject);
            Assert.Equal(["spiffe://cluster.local/ns/default/sa/backend"], UriSubjectAlternativeNames.Read(leaf));
            Assert.Empty(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
            Assert.Equal(TestCa.Now + TimeSpan.FromHours(24), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()), TimeSpan.FromSeconds(1));
            Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            Assert.NotNull(leaf.GetECDsaPublicKey());
        }
    }

    [Fact]
    public void Issue_LifetimeBeyondTheCa_IsCappedAtTheCaExpiry()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromHours(2));
        var (leaf, key) = TestCa.Issue(ca, TestCa.Backend, TimeSpan.FromHours(24));
        using (key)
        using (leaf)
        {
            Assert.True(leaf.NotAfter <= ca.Signing.NotAfter);
        }
    }

    [Fact]
    public void LoadOrCreate_SecondStart_LoadsTheSameRoot()
    {
        using var first = CertificateAuthorityFolder.LoadOrCreate(_folder, "cluster.local", _time);
        using var second = CertificateAuthorityFolder.LoadOrCreate(_folder, "cluster.local", _time);
        Assert.Equal(first.Signing.Thumbprint, second.Signing.Thumbprint);
        Assert.Equal(first.Bundle.Roots[0].Thumbprint, second.Bundle.Roots[0].Thumbprint);
        Assert.Empty(second.ChainPem);
    }

    [Fact]
    public void Load_IstioCacertsWithIntermediate_IssuesChainThatVerifiesAgainstTheRoot()
    {
        TestCa.WriteIntermediateLayout(_folder, _time);
        using var ca = CertificateAuthorityFolder.Load(_folder, "cluster.local", _time);
        var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, TestCa.Backend)));
        var issued = ca.Issue(request, TestCa.Backend, TimeSpan.FromHours(1));
        using var leaf = X509Certificate2.CreateFromPem(issued.CertificatePem);
        var chain = issued.ChainPem.Select(pem => X509Certificate2.CreateFromPem(pem)).ToList();

        Assert.Single(chain);
        Assert.True(PeerCertificateVerifier.Verify(leaf, chain, ca.Bundle, _time.GetUtcNow(), []).IsVerified);
        // Without the intermediate the leaf does not reach the root.
        Assert.False(PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, _time.GetUtcNow(), []).IsVerified);
    }

    [Fact]
    public void Load_CaCertNotUnderTheRoots_FailsNamingTheFile()
    {
        TestCa.WriteIntermediateLayout(_folder, _time);
        using var other = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(1));
        File.WriteAllText(Path.Combine(_folder, "root-cert.pem"), other.Signing.ExportCertificatePem());

        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthorityFolder.Load(_folder, "cluster.local", _time));
        Assert.Contains("ca-cert.pem", error.Message);
        Assert.Contains("does not chain", error.Message);
    }

    [Fact]
    public void Load_RootsConcatenatedWithoutNewline_BundleHoldsBoth()
    {
        using var first = CertificateAuthorityFolder.LoadOrCreate(_folder, "cluster.local", _time);
        using var second = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(1));
        File.WriteAllText(Path.Combine(_folder, "root-cert.pem"), first.Signing.ExportCertificatePem() + second.Signing.ExportCertificatePem());

        using var loaded = CertificateAuthorityFolder.Load(_folder, "cluster.local", _time);
        Assert.Equal(2, loaded.Bundle.Roots.Count);
    }

    [Fact]
    public void Load_MissingKey_FailsNamingTheFile()
    {
        TestCa.WriteIntermediateLayout(_folder, _time);
        File.Delete(Path.Combine(_folder, "ca-key.pem"));
        var error = Assert.Throws<InvalidDataException>(() => CertificateAuthorityFolder.Load(_folder, "cluster.local", _time));
        Assert.Contains("ca-key.pem: missing", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
