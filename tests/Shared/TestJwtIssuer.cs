// Compiled into the proxy's, the control plane's and the end-to-end tests: each verifies tokens of a test issuer.
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mesh.Tests.Shared;

/// <summary>
/// A token issuer for tests: an RSA (RS256) or EC P-256 (ES256) key pair, its public JSON Web Key Set, and tokens
/// signed with it, built with the platform's own cryptography so the code under test verifies what it did not make.
/// </summary>
internal sealed class TestJwtIssuer : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ec;

    private TestJwtIssuer(string issuer, string keyId, RSA? rsa, ECDsa? ec)
    {
        Issuer = issuer;
        KeyId = keyId;
        _rsa = rsa;
        _ec = ec;
    }

    public string Issuer { get; }

    public string KeyId { get; }

    public static TestJwtIssuer Rsa(string issuer, string keyId = "rsa-1") => new(issuer, keyId, RSA.Create(2048), null);

    public static TestJwtIssuer EllipticCurve(string issuer, string keyId = "ec-1") => new(issuer, keyId, null, ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>The public key set, as a jwks field or a jwksUri serves it.</summary>
    public string Jwks()
    {
        var key = new Dictionary<string, string> { ["kid"] = KeyId, ["use"] = "sig" };
        if (_rsa is not null)
        {
            var parameters = _rsa.ExportParameters(false);
            key["kty"] = "RSA";
            key["alg"] = "RS256";
            key["n"] = Base64Url(parameters.Modulus!);
            key["e"] = Base64Url(parameters.Exponent!);
        }
        else
        {
            var parameters = _ec!.ExportParameters(false);
            key["kty"] = "EC";
            key["alg"] = "ES256";
            key["crv"] = "P-256";
            key["x"] = Base64Url(parameters.Q.X!);
            key["y"] = Base64Url(parameters.Q.Y!);
        }

        return JsonSerializer.Serialize(new Dictionary<string, object> { ["keys"] = new[] { key } });
    }

    /// <summary>A signed token: iss, sub and exp (an hour ahead of <paramref name="now"/>) unless <paramref name="claims"/> replaces them.</summary>
    public string Token(string subject = "alice", DateTimeOffset? now = null, IReadOnlyDictionary<string, object>? claims = null, string? issuer = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        var payload = new Dictionary<string, object>
        {
            ["iss"] = issuer ?? Issuer,
            ["sub"] = subject,
            ["iat"] = at.ToUnixTimeSeconds(),
            ["exp"] = at.AddHours(1).ToUnixTimeSeconds(),
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object>()) payload[name] = value;
        var header = new Dictionary<string, string> { ["alg"] = _rsa is not null ? "RS256" : "ES256", ["typ"] = "JWT", ["kid"] = KeyId };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        var data = Encoding.ASCII.GetBytes(signingInput);
        // JWS ES256 signatures are r||s (IEEE P1363), which is .NET's default for ECDsa.
        var signature = _rsa is not null
            ? _rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : _ec!.SignData(data, HashAlgorithmName.SHA256);
        return signingInput + "." + Base64Url(signature);
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }
}
