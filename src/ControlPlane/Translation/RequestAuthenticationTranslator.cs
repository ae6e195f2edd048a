using System.Globalization;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Security;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Which RequestAuthentications apply to a proxy, and their JWT rules as the listener's <see cref="JwtAuthentication"/>.
/// As in Istio, every applicable policy counts (they merge, none overrides another): those of the workload's namespace,
/// then those of the root namespace; each applies when it has no selector, when its selector matches the workload's
/// labels, or — with targetRefs — when it names the Gateway API gateway the proxy is deployed for (<see cref="PolicyScope"/>).
/// </summary>
internal static class RequestAuthenticationTranslator
{
    /// <summary>The key set a provider gets while its jwksUri has not been fetched: it verifies no token.</summary>
    public const string FailClosedJwks = """{"keys":[]}""";

    public static JwtAuthentication? For(ProxyContext proxy, MeshSnapshot snapshot)
    {
        if (snapshot.RequestAuthentications.Count == 0) return null;
        JwtAuthentication? result = null;
        AddApplicable(proxy, snapshot, proxy.Namespace, ref result);
        if (proxy.Namespace != MeshSettings.RootNamespace)
        {
            AddApplicable(proxy, snapshot, MeshSettings.RootNamespace, ref result);
        }
        return result;
    }

    /// <summary>Whether a policy applies to a workload of <paramref name="workloadNamespace"/> with these labels.</summary>
    public static bool Applies(RequestAuthentication policy, string workloadNamespace, IReadOnlyDictionary<string, string> labels) =>
        PolicyScope.Applies(policy.Metadata.Namespace, policy.Spec.Selector, policy.Spec.TargetRef, policy.Spec.TargetRefs, workloadNamespace, labels);

    private static void AddApplicable(ProxyContext proxy, MeshSnapshot snapshot, string ns, ref JwtAuthentication? result)
    {
        foreach (var policy in snapshot.RequestAuthentications)
        {
            if (policy.Metadata.Namespace != ns || !Applies(policy, proxy.Namespace, proxy.Labels)) continue;
            var rules = policy.Spec.JwtRules;
            for (var i = 0; i < rules.Count; i++)
            {
                result ??= new JwtAuthentication();
                result.Providers.Add(ToProvider(rules[i], $"{policy.Metadata.Namespace}/{policy.Metadata.Name} jwtRules[{i.ToString(CultureInfo.InvariantCulture)}]", snapshot));
            }
        }
    }

    private static JwtProvider ToProvider(JwtRule rule, string origin, MeshSnapshot snapshot)
    {
        var provider = new JwtProvider
        {
            Issuer = rule.Issuer,
            Jwks = KeySet(rule, snapshot),
            OutputPayloadToHeader = rule.OutputPayloadToHeader,
            ForwardOriginalToken = rule.ForwardOriginalToken ?? false,
            Origin = origin,
        };
        provider.Audiences.AddRange(rule.Audiences);
        foreach (var header in rule.FromHeaders) provider.FromHeaders.Add(new JwtHeaderLocation { Name = header.Name, Prefix = header.Prefix });
        provider.FromParams.AddRange(rule.FromParams);
        provider.FromCookies.AddRange(rule.FromCookies);
        if (rule.FromHeaders.Count == 0 && rule.FromParams.Count == 0 && rule.FromCookies.Count == 0)
        {
            // Envoy's default locations, which Istio relies on when a rule names none.
            provider.FromHeaders.Add(new JwtHeaderLocation { Name = "Authorization", Prefix = "Bearer " });
            provider.FromParams.Add("access_token");
        }
        foreach (var output in rule.OutputClaimToHeaders) provider.OutputClaimToHeaders.Add(new JwtClaimToHeader { Header = output.Header, Claim = output.Claim });
        return provider;
    }

    /// <summary>Inline jwks wins over jwksUri, as in istiod; a jwksUri resolves to what the control plane fetched.</summary>
    private static string KeySet(JwtRule rule, MeshSnapshot snapshot)
    {
        if (rule.Jwks.Length > 0) return rule.Jwks;
        var uri = JwksUriOf(rule);
        return uri is not null && snapshot.JwksByUri.TryGetValue(uri, out var fetched) ? fetched : FailClosedJwks;
    }

    /// <summary>
    /// The URI a rule's keys are fetched from: its jwksUri, or, without one, the issuer's OpenID discovery document
    /// (<c>&lt;issuer&gt;/.well-known/openid-configuration</c>, whose <c>jwks_uri</c> names the key set), as istiod
    /// does. Null when the rule has inline keys.
    /// </summary>
    public static string? JwksUriOf(JwtRule rule) =>
        rule.Jwks.Length > 0 ? null
        : rule.JwksUri.Length > 0 ? rule.JwksUri
        : rule.Issuer.StartsWith("https://", StringComparison.Ordinal) || rule.Issuer.StartsWith("http://", StringComparison.Ordinal)
            ? rule.Issuer.TrimEnd('/') + "/.well-known/openid-configuration"
            : null;

    /// <summary>Every URI the snapshot's rules need keys from, with the rule's fetch timeout (the first rule's, when several share one).</summary>
    public static Dictionary<string, TimeSpan?> JwksUris(IReadOnlyList<RequestAuthentication> policies)
    {
        var uris = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
        foreach (var policy in policies)
        {
            foreach (var rule in policy.Spec.JwtRules)
            {
                if (JwksUriOf(rule) is { } uri) uris.TryAdd(uri, rule.Timeout);
            }
        }
        return uris;
    }
}
