// The mesh's CA: signs workload SVIDs with its signing certificate (a self-signed root, or a plugged-in intermediate).
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>
/// Issues X.509 SVIDs whose only identity is one URI SAN (the SPIFFE id) and an empty subject, as Istio's CA does.
/// Thread-safe: signing reads only immutable state.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    public static readonly TimeSpan DefaultWorkloadLifetime = TimeSpan.FromHours(24);

    // Covers clocks a little behind the CA's, so a fresh certificate is valid everywhere at once.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;

    /// <param name="signing">The CA certificate with its private key.</param>
    /// <param name="intermediates">Certificates between <paramref name="signing"/> and a root (not roots themselves).</param>
    public CertificateAuthority(X509Certificate2 signing, IReadOnlyList<X509Certificate2> intermediates, TrustBundle bundle,
        string trustDomain, TimeProvider time)
    {
        if (!signing.HasPrivateKey)
        {
            throw new ArgumentException("The CA certificate needs its private key.", nameof(signing));
        }

        Signing = signing;
        Intermediates = intermediates;
        Bundle = bundle;
        TrustDomain = trustDomain;
        _time = time;
        var chain = new List<string>();
        if (!IsSelfSigned(signing))
        {
            chain.Add(signing.ExportCertificatePem());
            foreach (var intermediate in intermediates)
            {
                chain.Add(intermediate.ExportCertificatePem());
            }
        }

        ChainPem = chain;
    }

    public X509Certificate2 Signing { get; }

    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    public TrustBundle Bundle { get; }

    public string TrustDomain { get; }

    /// <summary>What a workload sends beside its leaf: empty when the CA signs with the root itself.</summary>
    public IReadOnlyList<string> ChainPem { get; }

    /// <summary>A fresh self-signed ECDSA P-256 root for <paramref name="trustDomain"/>, valid for <paramref name="lifetime"/>.</summary>
    public static CertificateAuthority CreateSelfSigned(string trustDomain, TimeProvider time, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = time.GetUtcNow();
        // A name of its own: a rotation's new root is then told apart from the old one by name as well as by key.
        var request = new CertificateRequest(new X500DistinguishedName($"O={trustDomain}, CN=Mesh Root CA {now:yyyy-MM-dd} {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var root = request.CreateSelfSigned(now - Backdate, now + lifetime);
        return new CertificateAuthority(root, [], new TrustBundle([X509CertificateLoader.LoadCertificate(root.RawData)]), trustDomain, time);
    }

    /// <summary>Signs <paramref name="request"/> for <paramref name="identity"/> (already authenticated by the caller).</summary>
    public IssuedCertificate Issue(ValidatedSigningRequest request, SpiffeId identity, TimeSpan lifetime)
    {
        var now = _time.GetUtcNow();
        var notBefore = now - Backdate;
        var notAfter = now + lifetime;
        if (notAfter > Signing.NotAfter)
        {
            notAfter = Signing.NotAfter;
        }

        var leaf = new CertificateRequest(new X500DistinguishedName(string.Empty), request.PublicKey, HashAlgorithmName.SHA256);
        leaf.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leaf.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        leaf.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], false));
        leaf.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Signing, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.Uri));
        // The subject is empty, so the SAN must be critical (RFC 5280 4.2.1.6).
        leaf.CertificateExtensions.Add(san.Build(critical: true));

        using var generator = CreateGenerator(Signing);
        var serial = NewSerialNumber();
        using var certificate = leaf.Create(Signing.SubjectName, generator, notBefore, notAfter, serial);
        return new IssuedCertificate(identity, certificate.SerialNumber, notBefore, notAfter, certificate.ExportCertificatePem(),
            ChainPem, Bundle.ToPem());
    }

    public void Dispose() => Signing.Dispose();

    private static DisposableGenerator CreateGenerator(X509Certificate2 signing)
    {
        var ecdsa = signing.GetECDsaPrivateKey();
        if (ecdsa is not null)
        {
            return new DisposableGenerator(X509SignatureGenerator.CreateForECDsa(ecdsa), ecdsa);
        }

        var rsa = signing.GetRSAPrivateKey() ?? throw new InvalidOperationException("The CA key is neither ECDSA nor RSA.");
        return new DisposableGenerator(X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1), rsa);
    }

    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        // Positive and without a leading zero byte, as DER integers want.
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private sealed class DisposableGenerator(X509SignatureGenerator generator, AsymmetricAlgorithm key) : X509SignatureGenerator, IDisposable
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => generator.GetSignatureAlgorithmIdentifier(hashAlgorithm);

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => generator.SignData(data, hashAlgorithm);

        protected override PublicKey BuildPublicKey() => generator.PublicKey;

        public void Dispose() => key.Dispose();
    }
}
