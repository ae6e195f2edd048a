using System.Net;

namespace Mesh.Istio;

/// <summary>
/// Istio's host name rules that config itself needs (the control plane's model and the analyzer alike): short-name
/// resolution, wildcard coverage and gateway references.
/// </summary>
public static class HostNameRules
{
    /// <summary>The cluster DNS domain short names expand into (Istio's default, <c>cluster.local</c>).</summary>
    public const string ClusterDomain = "cluster.local";

    /// <summary>The gateway name that stands for every sidecar.</summary>
    public const string MeshGateway = "mesh";

    /// <summary>
    /// Istio's ResolveShortnameToFQDN: a name without a dot gets the config's namespace and the cluster domain
    /// (<c>reviews</c> in <c>default</c> → <c>reviews.default.svc.cluster.local</c>); a name with a dot
    /// (<c>reviews.default</c>, an FQDN, <c>*.example.com</c>), <c>*</c> and IP addresses stay as written.
    /// </summary>
    public static string Resolve(string host, string configNamespace)
    {
        var lowered = host.ToLowerInvariant();
        if (lowered == "*" || lowered.Contains('.') || IPAddress.TryParse(lowered, out _)) return lowered;
        return $"{lowered}.{configNamespace}.svc.{ClusterDomain}";
    }

    public static bool IsWildcard(string host) => host.StartsWith('*');

    /// <summary>
    /// Istio's host.Name.SubsetOf: whether every name <paramref name="host"/> covers is also covered by
    /// <paramref name="other"/> (<c>a.example.com</c> ⊆ <c>*.example.com</c> ⊆ <c>*</c>; <c>example.com</c> ⊄ <c>*.example.com</c>).
    /// </summary>
    public static bool IsSubsetOf(string host, string other)
    {
        var hostWildcard = IsWildcard(host);
        var otherWildcard = IsWildcard(other);
        if (hostWildcard)
        {
            return otherWildcard && host.Length >= other.Length && host.AsSpan(1).EndsWith(other.AsSpan(1), StringComparison.Ordinal);
        }
        return otherWildcard
            ? host.AsSpan().EndsWith(other.AsSpan(1), StringComparison.Ordinal)
            : string.Equals(host, other, StringComparison.Ordinal);
    }

    /// <summary>
    /// Istio's resolveGatewayName: <c>mesh</c> stays; <c>ns/name</c> stays (<c>./name</c> takes the config's
    /// namespace); a short <c>name</c> becomes <c>configNamespace/name</c>; the legacy <c>name.ns[.svc...]</c>
    /// becomes <c>ns/name</c>.
    /// </summary>
    public static string ResolveGateway(string gateway, string configNamespace)
    {
        if (gateway == MeshGateway) return gateway;
        var slash = gateway.IndexOf('/');
        if (slash >= 0)
        {
            return gateway.AsSpan(0, slash) is "." ? $"{configNamespace}/{gateway[(slash + 1)..]}" : gateway;
        }
        var dot = gateway.IndexOf('.');
        if (dot < 0) return $"{configNamespace}/{gateway}";
        var rest = gateway[(dot + 1)..];
        var nextDot = rest.IndexOf('.');
        var ns = nextDot < 0 ? rest : rest[..nextDot];
        return $"{ns}/{gateway[..dot]}";
    }
}
