// What a MUTUAL gateway server asks of a client certificate beyond its chain: Istio's subjectAltNames, verifyCertificateSpki and verifyCertificateHash.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Security;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Compiled once per gateway TLS server. As in Envoy's validation context: when pins are given (SPKI or certificate
/// hashes), a certificate matching any of either list passes them; when names are given, it must carry one of them as a
/// SAN; both hold when both are given.
/// </summary>
internal sealed class ClientCertificateConstraints
{
    private readonly HashSet<string> _names;
    private readonly HashSet<string> _spki;
    private readonly HashSet<string> _hashes;

    private ClientCertificateConstraints(HashSet<string> names, HashSet<string> spki, HashSet<string> hashes) =>
        (_names, _spki, _hashes) = (names, spki, hashes);

    /// <summary>Null when the server asks for nothing beyond the chain. Throws (with the field) for a pin that is not a SHA-256.</summary>
    public static ClientCertificateConstraints? From(GatewayTlsServer config, string path)
    {
        if (config.ClientSubjectAltNames.Count == 0 && config.ClientSpkiSha256.Count == 0 && config.ClientCertificateSha256.Count == 0)
        {
            return null;
        }

        var spki = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pin in config.ClientSpkiSha256)
        {
            var bytes = new byte[32];
            if (!Convert.TryFromBase64String(pin, bytes, out var length) || length != 32)
            {
                throw new ConfigRejectedException($"{path}.client_spki_sha256: '{pin}' is not the base64 of a SHA-256");
            }

            spki.Add(Convert.ToBase64String(bytes));
        }

        var hashes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pin in config.ClientCertificateSha256)
        {
            var hex = pin.Replace(":", "", StringComparison.Ordinal);
            if (hex.Length != 64 || !IsHex(hex))
            {
                throw new ConfigRejectedException($"{path}.client_certificate_sha256: '{pin}' is not the hex of a SHA-256");
            }

            hashes.Add(hex.ToLowerInvariant());
        }

        return new ClientCertificateConstraints(new HashSet<string>(config.ClientSubjectAltNames, StringComparer.Ordinal), spki, hashes);
    }

    /// <summary>Null when the certificate passes, else why not, for the log.</summary>
    public string? Check(X509Certificate2 leaf)
    {
        if (_spki.Count + _hashes.Count > 0 && !MatchesPin(leaf))
        {
            return $"client certificate '{leaf.Subject}' matches none of the server's verifyCertificateSpki and verifyCertificateHash";
        }

        if (_names.Count > 0 && !CarriesName(leaf))
        {
            return $"client certificate '{leaf.Subject}' carries none of the server's subjectAltNames [{string.Join(", ", _names)}]";
        }

        return null;
    }

    private bool MatchesPin(X509Certificate2 leaf)
    {
        if (_hashes.Count > 0 && _hashes.Contains(Convert.ToHexStringLower(SHA256.HashData(leaf.RawData))))
        {
            return true;
        }

        return _spki.Count > 0 && _spki.Contains(Convert.ToBase64String(SHA256.HashData(leaf.PublicKey.ExportSubjectPublicKeyInfo())));
    }

    private bool CarriesName(X509Certificate2 leaf)
    {
        foreach (var uri in UriSubjectAlternativeNames.Read(leaf))
        {
            if (_names.Contains(uri)) return true;
        }

        foreach (var extension in leaf.Extensions)
        {
            if (extension is not X509SubjectAlternativeNameExtension san) continue;
            foreach (var dns in san.EnumerateDnsNames())
            {
                if (_names.Contains(dns)) return true;
            }

            foreach (var address in san.EnumerateIPAddresses())
            {
                if (_names.Contains(address.ToString())) return true;
            }
        }

        return false;
    }

    private static bool IsHex(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }

        return true;
    }
}
