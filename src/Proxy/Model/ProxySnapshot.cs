using System.Collections.Frozen;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>
/// Everything the data path serves from, compiled and immutable: listeners, route tables and clusters, plus the raw
/// resources with their versions and nonces. A request reads one reference to it and uses that throughout.
/// </summary>
internal sealed class ProxySnapshot
{
    public static readonly ProxySnapshot Empty = new(
        FrozenDictionary<string, ListenerModel>.Empty,
        FrozenDictionary<string, RouteTable>.Empty,
        FrozenDictionary<string, ClusterModel>.Empty,
        FrozenDictionary<string, AppliedResources>.Empty);

    public ProxySnapshot(
        FrozenDictionary<string, ListenerModel> listenersByEndPoint,
        FrozenDictionary<string, RouteTable> routeTables,
        FrozenDictionary<string, ClusterModel> clusters,
        FrozenDictionary<string, AppliedResources> applied)
    {
        ListenersByEndPoint = listenersByEndPoint;
        RouteTables = routeTables;
        Clusters = clusters;
        Applied = applied;
    }

    /// <summary>Keyed by "address:port", the identity of the socket a request arrived on.</summary>
    public FrozenDictionary<string, ListenerModel> ListenersByEndPoint { get; }

    /// <summary>The listeners a use_original_dst listener hands connections to, by original destination.</summary>
    public HandoffTable Handoffs { get; init; } = HandoffTable.Empty;

    public FrozenDictionary<string, RouteTable> RouteTables { get; }

    public FrozenDictionary<string, ClusterModel> Clusters { get; }

    /// <summary>Per type URL: the resources last applied, with version and nonce.</summary>
    public FrozenDictionary<string, AppliedResources> Applied { get; }

    public AppliedResources GetApplied(string typeUrl) => Applied.TryGetValue(typeUrl, out var applied) ? applied : AppliedResources.None(typeUrl);

    /// <summary>True once listeners, routes, clusters and endpoints have each been applied at least once.</summary>
    public bool IsComplete
    {
        get
        {
            foreach (var typeUrl in TypeUrls.PushOrder)
            {
                if (!GetApplied(typeUrl).IsApplied)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
