namespace Mesh.Security.Tests;

public sealed class PeerCertificateVerifierTests
{
    private readonly FakeTimeProvider _time = new(TestCa.Now);

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
