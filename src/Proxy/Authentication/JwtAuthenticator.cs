using System.Text;
using System.Text.Json;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Proxy.Authentication;

/// <summary>
/// RequestAuthentication on the data path, as Envoy's jwt_authn filter runs it for Istio: the first token found in the
/// listener's locations is parsed, matched to the provider of its issuer, checked for time (60 s of clock skew, Envoy's
/// default), audience and signature, in that order. No token: the request goes on unauthenticated (AuthorizationPolicy
/// decides). A verified token becomes <see cref="VerifiedJwt"/> and is forwarded as the provider says.
/// </summary>
internal static class JwtAuthenticator
{
    /// <summary>Envoy's default clock_skew_seconds.</summary>
    public const long ClockSkewSeconds = 60;

    /// <summary>Authenticates the request; null when it may go on (no token, or a valid one), else why it is refused.</summary>
    public static JwtStatus? Authenticate(HttpRequest request, JwtAuthenticationModel model, out VerifiedJwt? verified, TimeProvider time)
    {
        verified = null;
        var headers = request.Headers;
        foreach (var header in model.OutputHeaders) headers.Remove(header);
        if (!TryFindToken(request, model, out var location, out var token)) return null;

        var status = Verify(token, location, time.GetUtcNow().ToUnixTimeSeconds(), out var provider, out verified, out var encodedPayload);
        if (status is not null) return status;

        if (!provider!.ForwardOriginalToken && location.Kind == JwtLocationKind.Header)
        {
            // Envoy removes the header the token came in; a query parameter or cookie is left as it is.
            headers.Remove(location.Name);
        }
        if (provider.OutputPayloadToHeader is { } payloadHeader) headers[payloadHeader] = encodedPayload;
        foreach (var (header, claim) in provider.OutputClaimToHeaders)
        {
            if (ClaimText(verified!.Payload, claim) is { } value) headers[header] = value;
        }
        return null;
    }

    private static bool TryFindToken(HttpRequest request, JwtAuthenticationModel model, out JwtLocationModel location, out string token)
    {
        foreach (var candidate in model.Locations)
        {
            var found = candidate.Kind switch
            {
                JwtLocationKind.Header => FromHeader(request.Headers, candidate),
                JwtLocationKind.QueryParameter => request.QueryString.HasValue ? NonEmpty(request.Query[candidate.Name]) : null,
                _ => request.Cookies.TryGetValue(candidate.Name, out var cookie) && cookie.Length > 0 ? cookie : null,
            };
            if (found is not null)
            {
                location = candidate;
                token = found;
                return true;
            }
        }
        location = null!;
        token = "";
        return false;
    }

    private static string? FromHeader(IHeaderDictionary headers, JwtLocationModel location)
    {
        if (!headers.TryGetValue(location.Name, out var values)) return null;
        foreach (var value in values)
        {
            if (value is null) continue;
            // The scheme of an Authorization header is case-insensitive (RFC 9110), so the prefix is too.
            if (location.Prefix.Length > 0 && !value.StartsWith(location.Prefix, StringComparison.OrdinalIgnoreCase)) continue;
            var token = value.AsSpan(location.Prefix.Length).Trim();
            if (!token.IsEmpty) return token.Length == value.Length ? value : token.ToString();
        }
        return null;
    }

    private static string? NonEmpty(StringValues values) => values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    private static JwtStatus? Verify(string token, JwtLocationModel location, long now, out JwtProviderModel? provider, out VerifiedJwt? verified, out string encodedPayload)
    {
        provider = null;
        verified = null;
        encodedPayload = "";
        var firstDot = token.IndexOf('.');
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0) return JwtStatus.BadFormat;

        if (!TryParseJson(token.AsSpan(0, firstDot), out var header) || header.ValueKind != JsonValueKind.Object) return JwtStatus.HeaderParseError;
        if (!header.TryGetProperty("alg", out var algElement) || algElement.ValueKind != JsonValueKind.String) return JwtStatus.HeaderBadAlg;
        var alg = algElement.GetString()!;
        if (!IsSupportedAlgorithm(alg)) return JwtStatus.HeaderNotImplementedAlg;
        string? kid = null;
        if (header.TryGetProperty("kid", out var kidElement))
        {
            if (kidElement.ValueKind != JsonValueKind.String) return JwtStatus.HeaderBadKid;
            kid = kidElement.GetString();
        }

        encodedPayload = token.Substring(firstDot + 1, secondDot - firstDot - 1);
        if (!TryParseJson(encodedPayload, out var payload) || payload.ValueKind != JsonValueKind.Object) return JwtStatus.PayloadParseError;
        byte[] signature;
        try
        {
            signature = Base64UrlEncoder.DecodeBytes(token[(secondDot + 1)..]);
        }
        catch (FormatException)
        {
            return JwtStatus.SignatureParseError;
        }

        if (OptionalString(payload, "iss", out var issuer) is false) return JwtStatus.IssuerNotString;
        foreach (var candidate in location.Providers)
        {
            if (candidate.AcceptsIssuer(issuer))
            {
                provider = candidate;
                break;
            }
        }
        if (provider is null) return JwtStatus.UnknownIssuer;

        if (!TryGetSeconds(payload, "exp", out var exp)) return JwtStatus.ExpNotInteger;
        if (!TryGetSeconds(payload, "nbf", out var nbf)) return JwtStatus.NbfNotInteger;
        if (exp is { } expires && now > expires + ClockSkewSeconds) return JwtStatus.Expired;
        if (nbf is { } notBefore && notBefore > now + ClockSkewSeconds) return JwtStatus.NotYetValid;

        if (!TryGetAudiences(payload, out var audiences)) return JwtStatus.AudNotString;
        if (provider.Audiences.Length > 0 && !AudienceAllowed(provider.Audiences, audiences)) return JwtStatus.AudienceNotAllowed;

        var signed = Encoding.ASCII.GetBytes(token, 0, secondDot);
        var status = VerifySignature(provider.Keys, kid, alg, signed, signature);
        if (status is not null) return status;

        if (OptionalString(payload, "sub", out var subject) is false) return JwtStatus.SubjectNotString;
        OptionalString(payload, "azp", out var presenter);
        verified = new VerifiedJwt
        {
            Principal = (issuer ?? "") + "/" + (subject ?? ""),
            Issuer = issuer ?? "",
            Subject = subject ?? "",
            Audiences = audiences,
            Presenter = presenter,
            Payload = payload,
        };
        return null;
    }

    /// <summary>
    /// Envoy's key choice: keys whose kid (when both have one), alg (when the key names one) and type fit the token;
    /// none fits: "doesn't have key"; some fit but none verifies: "verification fails".
    /// </summary>
    private static JwtStatus? VerifySignature(JsonWebKey[] keys, string? kid, string alg, byte[] signed, byte[] signature)
    {
        var anyCandidate = false;
        foreach (var key in keys)
        {
            if (kid is not null && !string.IsNullOrEmpty(key.Kid) && key.Kid != kid) continue;
            if (!string.IsNullOrEmpty(key.Alg) && key.Alg != alg) continue;
            if (key.Kty != KeyTypeOf(alg)) continue;
            anyCandidate = true;
            if (Verifies(key, alg, signed, signature)) return null;
        }
        return anyCandidate ? JwtStatus.VerificationFail : JwtStatus.KidAlgMismatch;
    }

    private static bool Verifies(JsonWebKey key, string alg, byte[] signed, byte[] signature)
    {
        var factory = CryptoProviderFactory.Default;
        SignatureProvider? verifier = null;
        try
        {
            verifier = factory.CreateForVerifying(key, alg);
            return verifier.Verify(signed, signature);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or System.Security.Cryptography.CryptographicException or SecurityTokenException)
        {
            // A key the library cannot use with this algorithm (a bad modulus, a curve that does not match) verifies nothing.
            return false;
        }
        finally
        {
            if (verifier is not null) factory.ReleaseSignatureProvider(verifier);
        }
    }

    private static string KeyTypeOf(string alg) => alg[0] switch
    {
        'R' or 'P' => JsonWebAlgorithmsKeyTypes.RSA,
        'E' => JsonWebAlgorithmsKeyTypes.EllipticCurve,
        _ => JsonWebAlgorithmsKeyTypes.Octet,
    };

    /// <summary>The algorithms Envoy verifies, less EdDSA (which the library does not).</summary>
    private static bool IsSupportedAlgorithm(string alg) => alg is
        "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" or "ES256" or "ES384" or "ES512" or "HS256" or "HS384" or "HS512";

    /// <summary>Envoy compares audiences without an http(s):// scheme and a trailing slash.</summary>
    private static bool AudienceAllowed(string[] allowed, IReadOnlyList<string> audiences)
    {
        foreach (var audience in audiences)
        {
            var normalized = NormalizeAudience(audience);
            foreach (var candidate in allowed)
            {
                if (normalized.SequenceEqual(NormalizeAudience(candidate))) return true;
            }
        }
        return false;
    }

    private static ReadOnlySpan<char> NormalizeAudience(string audience)
    {
        var span = audience.AsSpan();
        if (span.StartsWith("https://", StringComparison.Ordinal)) span = span[8..];
        else if (span.StartsWith("http://", StringComparison.Ordinal)) span = span[7..];
        return span.EndsWith('/') ? span[..^1] : span;
    }

    private static bool TryParseJson(ReadOnlySpan<char> base64Url, out JsonElement element)
    {
        element = default;
        try
        {
            // The reader alone, not the serializer: the same parsing and limits, with no reflection (the image's proxy is
            // compiled ahead of time).
            element = JsonElement.Parse(Base64UrlEncoder.DecodeBytes(base64Url.ToString()));
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }

    /// <summary>True with the value, null when absent, false when present but not a string.</summary>
    private static bool? OptionalString(JsonElement payload, string name, out string? value)
    {
        value = null;
        if (!payload.TryGetProperty(name, out var element)) return null;
        if (element.ValueKind != JsonValueKind.String) return false;
        value = element.GetString();
        return true;
    }

    private static bool TryGetSeconds(JsonElement payload, string name, out long? seconds)
    {
        seconds = null;
        if (!payload.TryGetProperty(name, out var element)) return true;
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var value)) return false;
        seconds = value;
        return true;
    }

    private static bool TryGetAudiences(JsonElement payload, out IReadOnlyList<string> audiences)
    {
        audiences = [];
        if (!payload.TryGetProperty("aud", out var element)) return true;
        if (element.ValueKind == JsonValueKind.String)
        {
            audiences = [element.GetString()!];
            return true;
        }
        if (element.ValueKind != JsonValueKind.Array) return false;
        var list = new List<string>(element.GetArrayLength());
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) return false;
            list.Add(item.GetString()!);
        }
        audiences = list;
        return true;
    }

    /// <summary>A claim as header text: a string as it is, a number or boolean as JSON writes it; objects, lists and absent claims give none.</summary>
    private static string? ClaimText(JsonElement payload, string claim)
    {
        if (!payload.TryGetProperty(claim, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }
}
