using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

public sealed class PeerCertificateVerifierTests
{
    private readonly FakeTimeProvider _time = new(TestCa.Now);

    private CertificateAuthority SameNameRoot()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("O=cluster.local, CN=Root", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var root = request.CreateSelfSigned(_time.GetUtcNow().AddDays(-1), _time.GetUtcNow().AddDays(10));
        return new CertificateAuthority(root, [], new TrustBundle([System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(root.RawData)]), "cluster.local", _time);
    }

    [Fact]
    public void Verify_SameCaExpectedIdentity_ReturnsIdentity()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (leaf, key) = TestCa.Issue(ca, TestCa.Backend);
        using (key)
        using (leaf)
        {
            var result = PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, _time.GetUtcNow(), [TestCa.Backend.Uri]);
            Assert.Equal(TestCa.Backend, result.Identity);
        }
    }

    [Fact]
    public void Verify_CertificateFromAnotherCa_RefusedAsUntrusted()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        using var other = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (leaf, key) = TestCa.Issue(other, TestCa.Backend);
        using (key)
        using (leaf)
        {
            var result = PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, _time.GetUtcNow(), []);
            Assert.False(result.IsVerified);
            Assert.Contains("does not chain to a trusted root", result.Error);
        }
    }

    [Fact]
    public void Verify_ExpiredCertificate_RefusedAsNotValidNow()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (leaf, key) = TestCa.Issue(ca, TestCa.Backend, TimeSpan.FromHours(1));
        using (key)
        using (leaf)
        {
            _time.Advance(TimeSpan.FromHours(2));
            var result = PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, _time.GetUtcNow(), []);
            Assert.Contains("is not valid now", result.Error);
        }
    }

    [Fact]
    public void Verify_WrongIdentity_RefusedNamingBoth()
    {
        using var ca = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var (leaf, key) = TestCa.Issue(ca, new SpiffeId("cluster.local", "default", "frontend"));
        using (key)
        using (leaf)
        {
            var result = PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, _time.GetUtcNow(), [TestCa.Backend.Uri]);
            Assert.Contains("spiffe://cluster.local/ns/default/sa/frontend is not one of the expected identities", result.Error);
        }
    }

    [Fact]
    public void Verify_TwoRootsWithTheSameName_AcceptsCertificatesOfBoth()
    {
        using var first = SameNameRoot();
        using var second = SameNameRoot();
        var bundle = first.Bundle.Merge(second.Bundle);
        var (leaf, key) = TestCa.Issue(second, TestCa.Backend);
        using (key)
        using (leaf)
        {
            var result = PeerCertificateVerifier.Verify(leaf, [], bundle, _time.GetUtcNow(), []);
            Assert.True(result.IsVerified, result.Error);
        }
    }

    [Fact]
    public void Verify_BundleWithOldAndNewRoot_AcceptsCertificatesOfBoth()
    {
        using var oldRoot = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        using var newRoot = CertificateAuthority.CreateSelfSigned("cluster.local", _time, TimeSpan.FromDays(10));
        var bundle = oldRoot.Bundle.Merge(newRoot.Bundle);
        var (oldLeaf, oldKey) = TestCa.Issue(oldRoot, TestCa.Backend);
        var (newLeaf, newKey) = TestCa.Issue(newRoot, TestCa.Backend);
        using (oldKey)
        using (newKey)
        using (oldLeaf)
        using (newLeaf)
        {
            Assert.Equal(2, bundle.Roots.Count);
            Assert.True(PeerCertificateVerifier.Verify(oldLeaf, [], bundle, _time.GetUtcNow(), []).IsVerified);
            Assert.True(PeerCertificateVerifier.Verify(newLeaf, [], bundle, _time.GetUtcNow(), []).IsVerified);
            Assert.False(PeerCertificateVerifier.Verify(newLeaf, [], oldRoot.Bundle, _time.GetUtcNow(), []).IsVerified);
        }
    }
}
