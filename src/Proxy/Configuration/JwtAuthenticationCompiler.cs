using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Proxy.Configuration;

/// <summary>Compiles a listener's JWT rules once per snapshot: key sets parsed, token locations grouped with their providers.</summary>
internal static class JwtAuthenticationCompiler
{
    public static JwtAuthenticationModel Compile(JwtAuthentication config, string path)
    {
        var locations = new List<(JwtLocationKind Kind, string Name, string Prefix, List<JwtProviderModel> Providers)>();
        var outputHeaders = new List<string>();
        for (var i = 0; i < config.Providers.Count; i++)
        {
            var source = config.Providers[i];
            var providerPath = $"{path}.providers[{i}] ({source.Origin})";
            var provider = new JwtProviderModel
            {
                Issuer = source.Issuer,
                Audiences = [.. source.Audiences],
                Keys = ParseKeys(source.Jwks, providerPath),
                OutputPayloadToHeader = source.OutputPayloadToHeader.Length > 0 ? source.OutputPayloadToHeader : null,
                ForwardOriginalToken = source.ForwardOriginalToken,
                OutputClaimToHeaders = [.. source.OutputClaimToHeaders.Select(static c => (c.Header, c.Claim))],
                Origin = source.Origin,
            };
            foreach (var header in source.FromHeaders) Add(locations, JwtLocationKind.Header, header.Name, header.Prefix, provider);
            foreach (var name in source.FromParams) Add(locations, JwtLocationKind.QueryParameter, name, "", provider);
            foreach (var name in source.FromCookies) Add(locations, JwtLocationKind.Cookie, name, "", provider);
            if (provider.OutputPayloadToHeader is { } payloadHeader) outputHeaders.Add(payloadHeader);
            foreach (var (header, _) in provider.OutputClaimToHeaders) outputHeaders.Add(header);
        }

        return new JwtAuthenticationModel
        {
            Locations = [.. locations.Select(static l => new JwtLocationModel { Kind = l.Kind, Name = l.Name, Prefix = l.Prefix, Providers = [.. l.Providers] })],
            OutputHeaders = [.. outputHeaders.Distinct(StringComparer.OrdinalIgnoreCase)],
        };
    }

    private static void Add(List<(JwtLocationKind Kind, string Name, string Prefix, List<JwtProviderModel> Providers)> locations,
        JwtLocationKind kind, string name, string prefix, JwtProviderModel provider)
    {
        // Header names are case-insensitive; parameter and cookie names are not.
        var comparison = kind == JwtLocationKind.Header ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var location in locations)
        {
            if (location.Kind == kind && string.Equals(location.Name, name, comparison) && location.Prefix == prefix)
            {
                location.Providers.Add(provider);
                return;
            }
        }
        locations.Add((kind, name, prefix, [provider]));
    }

    /// <summary>The key set's signing keys; keys it cannot use (unknown type, encryption keys) are skipped, as Envoy does.</summary>
    private static JsonWebKey[] ParseKeys(string jwks, string path)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(jwks);
        }
        catch (ArgumentException e)
        {
            throw new ConfigRejectedException($"{path}.jwks: not a JSON Web Key Set: {e.Message}");
        }

        var keys = new List<JsonWebKey>(set.Keys.Count);
        foreach (var key in set.Keys)
        {
            if (key.Use is { Length: > 0 } use && use != JsonWebKeyUseNames.Sig) continue;
            if (key.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve or JsonWebAlgorithmsKeyTypes.Octet) keys.Add(key);
        }
        return [.. keys];
    }
}
