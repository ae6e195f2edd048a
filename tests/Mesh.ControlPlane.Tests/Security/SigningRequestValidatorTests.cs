using System.Security.Cryptography;
using System.Text;

using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security;

public sealed class SigningRequestValidatorTests
{
    [Fact]
    public void Validate_EcdsaP256Csr_ReturnsRequestedIdentity()
    {
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Pem(key, TestCa.Backend));
        Assert.Equal(TestCa.Backend, request.RequestedIdentity);
    }

    [Fact]
    public void Validate_EcdsaP384AndRsa2048_Accepted()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var rsa = RSA.Create(2048);
        Assert.Equal(TestCa.Backend, SigningRequestValidator.Validate(Pem(p384, TestCa.Backend)).RequestedIdentity);
        Assert.Equal(TestCa.Backend, SigningRequestValidator.Validate(Pem(rsa, TestCa.Backend)).RequestedIdentity);
    }

    [Fact]
    public void Validate_Rsa1024_RefusedAsWeakKey()
    {
        using var rsa = RSA.Create(1024);
        var refusal = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate(Pem(rsa, TestCa.Backend)));
        Assert.Equal(SigningRefusalKind.WeakKey, refusal.Kind);
        Assert.Contains("1024", refusal.Message);
    }

    [Fact]
    public void Validate_EcdsaP521_RefusedAsWeakKey()
    {
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        var refusal = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate(Pem(p521, TestCa.Backend)));
        Assert.Equal(SigningRefusalKind.WeakKey, refusal.Kind);
    }

    [Fact]
    public void Validate_Garbage_RefusedAsMalformed()
    {
        var refusal = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate(Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----")));
        Assert.Equal(SigningRefusalKind.Malformed, refusal.Kind);
        var der = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate([0x30, 0x03, 0x01, 0x02]));
        Assert.Equal(SigningRefusalKind.Malformed, der.Kind);
    }

    [Fact]
    public void Validate_TamperedSignature_RefusedAsMalformed()
    {
        using var key = WorkloadKey.Create();
        var pem = WorkloadKey.CreateSigningRequestPem(key, TestCa.Backend);
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        // The last byte is inside the signature.
        der[^1] ^= 0xFF;
        var refusal = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate(der));
        Assert.Equal(SigningRefusalKind.Malformed, refusal.Kind);
    }

    [Fact]
    public void Validate_NoSpiffeSan_RefusedAsMalformed()
    {
        using var key = WorkloadKey.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=backend", key, HashAlgorithmName.SHA256);
        var refusal = Assert.Throws<SigningRefusedException>(() => SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(request.CreateSigningRequestPem())));
        Assert.Equal(SigningRefusalKind.Malformed, refusal.Kind);
        Assert.Contains("URI SAN", refusal.Message);
    }

    private static byte[] Pem(AsymmetricAlgorithm key, SpiffeId identity) => Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity));
}
