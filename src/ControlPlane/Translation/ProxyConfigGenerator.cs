using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>The translation entry point: a pure function from a proxy and a mesh snapshot to that proxy's resources, sorted by name.</summary>
internal static class ProxyConfigGenerator
{
    /// <param name="types">
    /// The types to produce; the others come back empty. A type's resources are the same whatever else is asked for:
    /// generators that produce only types not asked for are not run (the outbound clusters and endpoints, a sidecar's
    /// outbound listeners, its outbound routes), the outbound clusters and the inbound side add only what is asked
    /// for, and the rest run whole and what was not asked for is dropped.
    /// </param>
    public static ProxyResources Generate(Node node, MeshSnapshot snapshot, ResourceTypes types = ResourceTypes.All)
    {
        var proxy = new ProxyContext(node, snapshot);
        var clusters = new List<Cluster>();
        var endpoints = new List<ClusterLoadAssignment>();
        var listeners = new List<Listener>();
        var routes = new List<RouteConfiguration>();

        var clustersOrEndpoints = (types & (ResourceTypes.Clusters | ResourceTypes.Endpoints)) != 0;
        var listenersOrRoutes = (types & (ResourceTypes.Listeners | ResourceTypes.Routes)) != 0;
        // The outbound clusters and endpoints are shared by every proxy with the same inputs; the lists hold the proxy's own.
        var shared = clustersOrEndpoints ? OutboundClusterBuilder.Shared(proxy, snapshot) : null;
        if (node.Role == ProxyRole.Router)
        {
            if (listenersOrRoutes) RouterGenerator.Generate(proxy, snapshot, listeners, routes);
        }
        else
        {
            if (listenersOrRoutes) SidecarOutboundGenerator.Generate(proxy, snapshot, types, listeners, routes);
            // The inbound side is the proxy's own workload only: its four types, as many as are asked for.
            SidecarInboundGenerator.Generate(proxy, snapshot, types, clusters, endpoints, listeners, routes);
            if (proxy.IsCaptured && clustersOrEndpoints) CaptureClusters.Build(clusters, endpoints);
        }
        if ((types & ResourceTypes.Listeners) != 0) TelemetryResolver.Apply(proxy, snapshot, listeners);
        if ((types & ResourceTypes.Clusters) == 0) clusters.Clear();
        if ((types & ResourceTypes.Endpoints) == 0) endpoints.Clear();
        if ((types & ResourceTypes.Listeners) == 0) listeners.Clear();
        if ((types & ResourceTypes.Routes) == 0) routes.Clear();

        listeners.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        routes.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ProxyResources(
            new SortedResources<Cluster>((types & ResourceTypes.Clusters) != 0 ? shared?.Clusters : null, clusters, ByName),
            new SortedResources<ClusterLoadAssignment>((types & ResourceTypes.Endpoints) != 0 ? shared?.Endpoints : null, endpoints, ByClusterName),
            listeners, routes);
    }

    internal static readonly Comparison<Cluster> ByName = static (a, b) => string.CompareOrdinal(a.Name, b.Name);

    internal static readonly Comparison<ClusterLoadAssignment> ByClusterName = static (a, b) => string.CompareOrdinal(a.ClusterName, b.ClusterName);
}
