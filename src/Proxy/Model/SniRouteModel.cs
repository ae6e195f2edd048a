namespace Mesh.Proxy.Model;

/// <summary>A compiled SNI route of a passthrough listener: which clusters its connections go to, in what proportion.</summary>
internal sealed class SniRouteModel
{
    private readonly WeightedChoice _split;

    public SniRouteModel(string name, string[] clusterNames, int[] weights)
    {
        Name = name;
        ClusterNames = clusterNames;
        _split = new WeightedChoice(weights);
    }

    public string Name { get; }

    public string[] ClusterNames { get; }

    /// <summary>Picks a cluster in proportion to its weight; <paramref name="random"/> is the injected random source.</summary>
    public string PickCluster(Random random) => ClusterNames[_split.Pick(random)];
}
