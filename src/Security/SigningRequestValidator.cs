// Parses and checks a PKCS#10 CSR: its signature, its key (ECDSA P-256/P-384 or RSA of 2048 bits or more) and its SPIFFE identity.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

public static class SigningRequestValidator
{
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string P384Oid = "1.3.132.0.34";
    private const int MinimumRsaBits = 2048;

    /// <summary>Accepts PEM ("-----BEGIN CERTIFICATE REQUEST-----") or DER; throws <see cref="SigningRefusedException"/>.</summary>
    public static ValidatedSigningRequest Validate(byte[] csr)
    {
        CertificateRequest request;
        try
        {
            request = LooksLikePem(csr)
                ? CertificateRequest.LoadSigningRequestPem(System.Text.Encoding.ASCII.GetString(csr), HashAlgorithmName.SHA256,
                    CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions)
                : CertificateRequest.LoadSigningRequest(csr, HashAlgorithmName.SHA256,
                    CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new SigningRefusedException(SigningRefusalKind.Malformed, $"malformed CSR: {ex.Message}");
        }

        CheckKey(request.PublicKey);
        var uris = UriSubjectAlternativeNames.Read(request.CertificateExtensions);
        if (uris.Count != 1)
        {
            throw new SigningRefusedException(SigningRefusalKind.Malformed, $"the CSR must ask for exactly one URI SAN (a SPIFFE id); it asks for {uris.Count}");
        }

        if (!SpiffeId.TryParse(uris[0], out var id, out var error))
        {
            throw new SigningRefusedException(SigningRefusalKind.Malformed, $"the CSR's URI SAN: {error}");
        }

        return new ValidatedSigningRequest(request.PublicKey, id);
    }

    private static void CheckKey(PublicKey key)
    {
        using var ecdsa = key.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            var curve = ecdsa.ExportParameters(false).Curve.Oid.Value;
            if (curve is not (P256Oid or P384Oid))
            {
                throw new SigningRefusedException(SigningRefusalKind.WeakKey, $"ECDSA curve {curve} is not accepted: use P-256 or P-384");
            }

            return;
        }

        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            if (rsa.KeySize < MinimumRsaBits)
            {
                throw new SigningRefusedException(SigningRefusalKind.WeakKey, $"RSA key of {rsa.KeySize} bits is too weak: at least {MinimumRsaBits} bits");
            }

            return;
        }

        throw new SigningRefusedException(SigningRefusalKind.WeakKey, $"key algorithm {key.Oid.Value} is not accepted: use ECDSA P-256/P-384 or RSA ≥ {MinimumRsaBits}");
    }

    private static bool LooksLikePem(byte[] data) => data.Length > 0 && data[0] == (byte)'-';
}
