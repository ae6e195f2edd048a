using System.Text.Json;
using Mesh.Istio.Loading;
using Mesh.Istio.Security;

namespace Mesh.Istio.Validation;

/// <summary>
/// Istio's ValidateRequestAuthentication: one way of targeting, the selector, and each JWT rule (an issuer or a key set
/// URI, http(s) URIs, a parseable inline key set, non-empty token locations, valid output header names, the timeout).
/// </summary>
internal static class RequestAuthenticationValidator
{
    public static void Validate(RequestAuthenticationSpec spec, FieldProblems p)
    {
        CommonRules.PolicyTargets(spec.Selector, spec.TargetRef, spec.TargetRefs, p);

        for (var i = 0; i < spec.JwtRules.Count; i++)
        {
            JwtRule(spec.JwtRules[i], FieldPaths.Index("spec.jwtRules", i), p);
        }
    }

    private static void JwtRule(JwtRule rule, string path, FieldProblems p)
    {
        for (var i = 0; i < rule.Audiences.Count; i++)
        {
            if (rule.Audiences[i].Length == 0)
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "audiences"), i), "Required value: audience must be non-empty string");
            }
        }

        if (rule.Issuer.Length == 0 && rule.JwksUri.Length == 0)
        {
            p.Error(FieldPaths.Field(path, "issuer"), "Required value: issuer or jwksUri must be non-empty string");
        }

        if (rule.JwksUri.Length > 0 && JwksUriProblem(rule.JwksUri) is { } uriProblem)
        {
            p.Error(FieldPaths.Field(path, "jwksUri"), $"Invalid value: \"{rule.JwksUri}\": {uriProblem}");
        }

        if (rule.Jwks.Length > 0 && JwksProblem(rule.Jwks) is { } jwksProblem)
        {
            p.Error(FieldPaths.Field(path, "jwks"), $"Invalid value: jwks parse error: {jwksProblem}");
        }

        for (var i = 0; i < rule.FromHeaders.Count; i++)
        {
            var header = rule.FromHeaders[i];
            var headerPath = FieldPaths.Field(FieldPaths.Index(FieldPaths.Field(path, "fromHeaders"), i), "name");
            if (header.Name.Length == 0)
            {
                p.Error(headerPath, "Required value: location header name must be non-empty string");
            }
            else if (!IsHeaderName(header.Name))
            {
                p.Error(headerPath, $"Invalid value: \"{header.Name}\": header name is not a valid HTTP header name");
            }
        }

        for (var i = 0; i < rule.FromParams.Count; i++)
        {
            if (rule.FromParams[i].Length == 0)
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "fromParams"), i), "Required value: location query must be non-empty string");
            }
        }

        for (var i = 0; i < rule.FromCookies.Count; i++)
        {
            if (rule.FromCookies[i].Length == 0)
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "fromCookies"), i), "Required value: cookie name must be non-empty string");
            }
        }

        if (rule.OutputPayloadToHeader.Length > 0 && !IsHeaderName(rule.OutputPayloadToHeader))
        {
            p.Error(FieldPaths.Field(path, "outputPayloadToHeader"), $"Invalid value: \"{rule.OutputPayloadToHeader}\": header name is not a valid HTTP header name");
        }

        for (var i = 0; i < rule.OutputClaimToHeaders.Count; i++)
        {
            var output = rule.OutputClaimToHeaders[i];
            var outputPath = FieldPaths.Index(FieldPaths.Field(path, "outputClaimToHeaders"), i);
            if (output.Header.Length == 0 || output.Claim.Length == 0)
            {
                p.Error(outputPath, "Required value: outputClaimToHeaders header and claim value must be non-empty string");
            }
            else if (!IsHeaderName(output.Header))
            {
                p.Error(FieldPaths.Field(outputPath, "header"), $"Invalid value: \"{output.Header}\": header name is not a valid HTTP header name");
            }
        }

        CommonRules.Duration(rule.Timeout, FieldPaths.Field(path, "timeout"), p);
    }

    /// <summary>Istio's ParseJwksURI: an absolute http or https URI with a valid port.</summary>
    private static string? JwksUriProblem(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return "not a valid URI";
        }

        return parsed.Scheme is "http" or "https" ? null : $"URI scheme \"{parsed.Scheme}\" is not supported";
    }

    /// <summary>
    /// What Istio's jwk.Parse rejects: not JSON, or a set (<c>{"keys": [...]}</c>) or single key whose entries are not
    /// objects with a <c>kty</c>. Key material itself is checked where the keys are compiled.
    /// </summary>
    private static string? JwksProblem(string jwks)
    {
        try
        {
            using var document = JsonDocument.Parse(jwks);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "expected a JSON object";
            }

            if (!root.TryGetProperty("keys", out var keys))
            {
                return root.TryGetProperty("kty", out _) ? null : "a key must have a \"kty\" field";
            }

            if (keys.ValueKind != JsonValueKind.Array)
            {
                return "\"keys\" must be an array";
            }

            foreach (var key in keys.EnumerateArray())
            {
                if (key.ValueKind != JsonValueKind.Object || !key.TryGetProperty("kty", out var kty) || kty.ValueKind != JsonValueKind.String)
                {
                    return "each key must be an object with a \"kty\" field";
                }
            }

            return null;
        }
        catch (JsonException e)
        {
            return e.Message;
        }
        catch (ArgumentException)
        {
            // A YAML escape can write an unpaired surrogate (\ud800), which no UTF-8 JSON text can hold.
            return "not valid JSON text: it holds an unpaired UTF-16 surrogate";
        }
    }

    /// <summary>Istio's ValidateStrictHTTPHeaderName: an RFC 7230 token.</summary>
    public static bool IsHeaderName(string name)
    {
        foreach (var c in name)
        {
            var isToken = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
                or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
            if (!isToken)
            {
                return false;
            }
        }

        return name.Length > 0;
    }
}
