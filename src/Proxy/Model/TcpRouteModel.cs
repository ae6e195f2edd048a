namespace Mesh.Proxy.Model;

/// <summary>
/// A listener's tcp_clusters compiled: where its opaque TCP connections go (Envoy's tcp_proxy weighted_clusters), one
/// cluster picked per connection in proportion to its weight, and the VirtualService they came from.
/// </summary>
internal sealed class TcpRouteModel
{
    private readonly WeightedChoice _split;

    public TcpRouteModel(string[] clusterNames, int[] weights, Contracts.Discovery.RouteOrigin? origin)
    {
        ClusterNames = clusterNames;
        Origin = origin;
        _split = new WeightedChoice(weights);
    }

    public string[] ClusterNames { get; }

    /// <summary>The VirtualService whose tcp route chose the clusters; null when none did (the service's own cluster).</summary>
    public Contracts.Discovery.RouteOrigin? Origin { get; }

    /// <summary>Picks a cluster in proportion to its weight; <paramref name="random"/> is the injected random source.</summary>
    public string PickCluster(Random random) => ClusterNames[_split.Pick(random)];
}
