using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Where a simulated request went: the virtual host and route of the pushed configuration, and the route the proxy
/// compiled from it, whose weighted clusters are what the proxy splits across.
/// </summary>
internal sealed record RouteOutcome(VirtualHost VirtualHost, Route Route, RouteModel Compiled)
{
    public IReadOnlyList<(string Cluster, uint Weight)> Clusters
    {
        get
        {
            var list = new List<(string, uint)>();
            if (Compiled.Forward is { } action)
            {
                foreach (var cluster in action.Clusters) list.Add((cluster.Name, (uint)cluster.Weight));
            }
            return list;
        }
    }

    /// <summary>The only cluster of a single-destination route.</summary>
    public string Cluster => Assert.Single(Clusters).Cluster;
}
