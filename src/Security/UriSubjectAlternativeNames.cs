// Reads the URI entries of a subjectAltName extension, which .NET's X509SubjectAlternativeNameExtension does not expose.
using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

/// <summary>URI SANs (GeneralName [6] uniformResourceIdentifier) of a certificate or of a CSR's requested extensions.</summary>
public static class UriSubjectAlternativeNames
{
    public const string SubjectAltNameOid = "2.5.29.17";

    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    public static List<string> Read(X509Certificate2 certificate) => Read(certificate.Extensions);

    public static List<string> Read(IEnumerable<X509Extension> extensions)
    {
        var uris = new List<string>();
        foreach (var extension in extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                ReadInto(extension.RawData, uris);
            }
        }

        return uris;
    }

    private static void ReadInto(byte[] der, List<string> uris)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed SAN names nobody: the caller sees no URI and refuses.
        }
    }
}
