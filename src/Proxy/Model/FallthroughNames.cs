namespace Mesh.Proxy.Model;

/// <summary>
/// Istio's names for where a captured sidecar sends what no service takes: the clusters (outboundTrafficPolicy
/// ALLOW_ANY: PassthroughCluster, REGISTRY_ONLY: BlackHoleCluster; inbound, InboundPassthroughCluster) and the routes
/// of the HTTP fallthrough virtual host. Metrics report them as the destination service's name.
/// </summary>
internal static class FallthroughNames
{
    public const string PassthroughCluster = "PassthroughCluster";

    public const string BlackHoleCluster = "BlackHoleCluster";

    public const string InboundPassthroughCluster = "InboundPassthroughCluster";

    public const string AllowAnyRoute = "allow_any";

    public const string BlockAllRoute = "block_all";
}
