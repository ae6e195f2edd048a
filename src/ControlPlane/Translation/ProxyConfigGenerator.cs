using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>The translation entry point: a pure function from a proxy and a mesh snapshot to that proxy's resources, sorted by name.</summary>
internal static class ProxyConfigGenerator
{
    public static ProxyResources Generate(Node node, MeshSnapshot snapshot)
    {
        var proxy = new ProxyContext(node, snapshot);
        var clusters = new List<Cluster>();
        var endpoints = new List<ClusterLoadAssignment>();
        var listeners = new List<Listener>();
        var routes = new List<RouteConfiguration>();

        OutboundClusterBuilder.Build(proxy, snapshot, clusters, endpoints);
        if (node.Role == ProxyRole.Router)
        {
            RouterGenerator.Generate(proxy, snapshot, listeners, routes);
        }
        else
        {
            SidecarOutboundGenerator.Generate(proxy, snapshot, listeners, routes);
            SidecarInboundGenerator.Generate(proxy, snapshot, clusters, endpoints, listeners, routes);
            if (proxy.IsCaptured) CaptureClusters.Build(clusters, endpoints);
        }

        clusters.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        endpoints.Sort(static (a, b) => string.CompareOrdinal(a.ClusterName, b.ClusterName));
        listeners.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        routes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ProxyResources(clusters, endpoints, listeners, routes);
    }
}
