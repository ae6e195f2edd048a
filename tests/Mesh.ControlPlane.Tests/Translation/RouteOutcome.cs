using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>Where a simulated request went: the virtual host and route chosen, and the weighted clusters of its action.</summary>
internal sealed record RouteOutcome(VirtualHost VirtualHost, Route Route)
{
    public IReadOnlyList<(string Cluster, uint Weight)> Clusters
    {
        get
        {
            var list = new List<(string, uint)>();
            if (Route.Route_ is { } action)
            {
                foreach (var cluster in action.Clusters) list.Add((cluster.Name, cluster.Weight));
            }
            return list;
        }
    }

    /// <summary>The only cluster of a single-destination route.</summary>
    public string Cluster => Assert.Single(Clusters).Cluster;
}
