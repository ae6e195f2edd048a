using Mesh.Istio;

namespace Mesh.ControlPlane.Model;

/// <summary>Istio's host name rules as the model uses them (the rules config shares live in <see cref="HostNameRules"/>), and visibility.</summary>
internal static class HostNames
{
    /// <summary>The cluster DNS domain short names expand into (Istio's default, <c>cluster.local</c>).</summary>
    public const string ClusterDomain = HostNameRules.ClusterDomain;

    /// <summary>The gateway name that stands for every sidecar.</summary>
    public const string MeshGateway = HostNameRules.MeshGateway;

    /// <inheritdoc cref="HostNameRules.Resolve"/>
    public static string Resolve(string host, string configNamespace) => HostNameRules.Resolve(host, configNamespace);

    public static bool IsWildcard(string host) => HostNameRules.IsWildcard(host);

    /// <inheritdoc cref="HostNameRules.IsSubsetOf"/>
    public static bool IsSubsetOf(string host, string other) => HostNameRules.IsSubsetOf(host, other);

    /// <summary>
    /// Istio's Names.Intersection for one pair: the narrower of the two when one covers the other, else null
    /// (<c>*.example.com</c> ∩ <c>a.example.com</c> = <c>a.example.com</c>).
    /// </summary>
    public static string? Intersect(string a, string b) =>
        IsSubsetOf(a, b) ? a : IsSubsetOf(b, a) ? b : null;

    /// <inheritdoc cref="HostNameRules.ResolveGateway"/>
    public static string ResolveGateway(string gateway, string configNamespace) => HostNameRules.ResolveGateway(gateway, configNamespace);

    /// <summary>Whether a resource exported with <paramref name="exportTo"/> from <paramref name="ownNamespace"/> is visible in <paramref name="proxyNamespace"/>.</summary>
    public static bool IsExportedTo(IReadOnlyList<string> exportTo, string ownNamespace, string proxyNamespace)
    {
        if (exportTo.Count == 0) return true;
        foreach (var target in exportTo)
        {
            if (target == "*" || target == proxyNamespace || (target == "." && ownNamespace == proxyNamespace)) return true;
        }
        return false;
    }
}
