// Certificate revocation lists (Istio's caCrl, Envoy's crl): which certificates their CAs have revoked.
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>
/// The CRLs of one PEM file or Secret key (<c>-----BEGIN X509 CRL-----</c> blocks), checked against a chain as Envoy
/// checks its <c>crl</c>: every certificate of the chain but the root is looked up in the CRL of the CA that issued it,
/// whose signature that CA's key must verify. A CA of the chain without a CRL fails the chain, as Envoy documents ("if
/// a CRL is provided for any certificate authority in a trust chain, a CRL must be provided for all"); so does a CRL
/// past its nextUpdate.
/// </summary>
public sealed class RevocationLists
{
    private const string PemLabel = "X509 CRL";

    private readonly List<RevocationList> _lists;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(RevocationList List, string Thumbprint), bool> _signedBy = new();

    private RevocationLists(List<RevocationList> lists) => _lists = lists;

    /// <summary>Parses every CRL of <paramref name="pem"/>; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static RevocationLists FromPem(string pem)
    {
        var lists = new List<RevocationList>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(PemLabel))
            {
                lists.Add(RevocationList.Parse(Convert.FromBase64String(rest[fields.Base64Data].ToString())));
            }

            rest = rest[fields.Location.End..];
        }

        if (lists.Count == 0)
        {
            throw new ArgumentException("holds no PEM X509 CRL block");
        }

        return new RevocationLists(lists);
    }

    /// <summary>Null when no certificate of <paramref name="chain"/> (leaf first, as <see cref="X509Chain"/> built it) is revoked; else why not.</summary>
    public string? Check(X509ChainElementCollection chain, DateTimeOffset now)
    {
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var certificate = chain[i].Certificate;
            var issuer = chain[i + 1].Certificate;
            var list = FindFor(issuer);
            if (list is null)
            {
                return $"no CRL of '{issuer.Subject}', which issued '{certificate.Subject}' (a CRL is needed for every CA of the chain)";
            }

            if (list.NextUpdate is { } next && next < now)
            {
                return $"the CRL of '{issuer.Subject}' expired at {next:u}";
            }

            if (list.Revoked.Contains(Convert.ToHexString(certificate.SerialNumberBytes.Span)))
            {
                return $"certificate '{certificate.Subject}' (serial {certificate.SerialNumber}) is revoked by its CA's CRL";
            }
        }

        return null;
    }

    private RevocationList? FindFor(X509Certificate2 issuer)
    {
        foreach (var list in _lists)
        {
            if (!list.Issuer.AsSpan().SequenceEqual(issuer.SubjectName.RawData)) continue;
            // A handshake checks the same few CAs again and again: each CA's verdict on a CRL is kept (its thumbprint is its key).
            if (_signedBy.GetOrAdd((list, issuer.Thumbprint), static (key, ca) => key.List.IsSignedBy(ca), issuer)) return list;
        }

        return null;
    }

    /// <summary>One CRL (RFC 5280's CertificateList): its issuer, its revoked serials, and what its signature covers.</summary>
    private sealed record RevocationList(byte[] Issuer, DateTimeOffset? NextUpdate, HashSet<string> Revoked, byte[] Signed, string Algorithm, byte[] Signature)
    {
        public static RevocationList Parse(byte[] der)
        {
            try
            {
                var certificateList = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
                var signed = certificateList.PeekEncodedValue().ToArray();
                var tbs = certificateList.ReadSequence();
                if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer)) tbs.ReadInteger();
                tbs.ReadSequence();
                var issuer = tbs.ReadEncodedValue().ToArray();
                ReadTime(tbs);
                DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
                var revoked = new HashSet<string>(StringComparer.Ordinal);
                if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    var entries = tbs.ReadSequence();
                    while (entries.HasData)
                    {
                        var entry = entries.ReadSequence();
                        revoked.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
                    }
                }

                var algorithm = certificateList.ReadSequence().ReadObjectIdentifier();
                var signature = certificateList.ReadBitString(out _);
                return new RevocationList(issuer, nextUpdate, revoked, signed, algorithm, signature);
            }
            catch (AsnContentException ex)
            {
                throw new ArgumentException($"holds a CRL that is not DER: {ex.Message}", ex);
            }
        }

        public bool IsSignedBy(X509Certificate2 issuer)
        {
            var hash = Algorithm switch
            {
                "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
                "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
                "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
                _ => default,
            };
            if (hash == default) return false;
            if (Algorithm.StartsWith("1.2.840.113549", StringComparison.Ordinal))
            {
                using var rsa = issuer.GetRSAPublicKey();
                return rsa?.VerifyData(Signed, Signature, hash, RSASignaturePadding.Pkcs1) == true;
            }

            using var ecdsa = issuer.GetECDsaPublicKey();
            return ecdsa?.VerifyData(Signed, Signature, hash, DSASignatureFormat.Rfc3279DerSequence) == true;
        }

        private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

        private static DateTimeOffset ReadTime(AsnReader reader) =>
            reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
    }
}
