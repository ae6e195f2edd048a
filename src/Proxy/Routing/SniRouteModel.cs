// A compiled SNI route of a passthrough listener: which clusters its connections go to, in what proportion.
namespace Mesh.Proxy.Routing;

internal sealed class SniRouteModel
{
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    public SniRouteModel(string name, string[] clusterNames, int[] weights)
    {
        Name = name;
        ClusterNames = clusterNames;
        _cumulativeWeights = new int[weights.Length];
        for (var i = 0; i < weights.Length; i++)
        {
            _totalWeight += weights[i];
            _cumulativeWeights[i] = _totalWeight;
        }
    }

    public string Name { get; }

    public string[] ClusterNames { get; }

    /// <summary>Picks a cluster in proportion to its weight; <paramref name="random"/> is the injected random source.</summary>
    public string PickCluster(Random random)
    {
        if (ClusterNames.Length == 1)
        {
            return ClusterNames[0];
        }

        var point = random.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (point < _cumulativeWeights[i])
            {
                return ClusterNames[i];
            }
        }

        return ClusterNames[^1];
    }
}
