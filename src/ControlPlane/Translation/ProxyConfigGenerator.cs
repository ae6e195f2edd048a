using System.Runtime.InteropServices;
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
        if (clustersOrEndpoints) OutboundClusterBuilder.Build(proxy, snapshot, types, clusters, endpoints);
        // The shared build comes sorted, and first: only the proxy's own, added after it, are merged in.
        var (sortedClusters, sortedEndpoints) = (clusters.Count, endpoints.Count);
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

        SortMerging(clusters, sortedClusters, ByName);
        SortMerging(endpoints, sortedEndpoints, ByClusterName);
        SortMerging(listeners, 0, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        SortMerging(routes, 0, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new ProxyResources(clusters, endpoints, listeners, routes);
    }

    internal static readonly Comparison<Cluster> ByName = static (a, b) => string.CompareOrdinal(a.Name, b.Name);

    internal static readonly Comparison<ClusterLoadAssignment> ByClusterName = static (a, b) => string.CompareOrdinal(a.ClusterName, b.ClusterName);

    /// <summary>
    /// Sorts <paramref name="items"/> as <see cref="List{T}.Sort(Comparison{T})"/> would, cheaply for what generation
    /// gives: a long run already in order (a shared build, sorted once per snapshot) and then a few of the proxy's own,
    /// which are sorted and put in place. Sorting every proxy's 2,000 clusters and endpoint assignments again took a
    /// sixth of the control plane's CPU for a DestinationRule change at 1,000 proxies; merging them item by item, with
    /// a look at each to find the run, still cost a twentieth of an endpoint change (docs/performance.md).
    /// </summary>
    /// <param name="sortedCount">How many of the first items are known to be in order (a shared build); 0: found by looking.</param>
    internal static void SortMerging<T>(List<T> items, int sortedCount, Comparison<T> compare)
    {
        var run = Math.Max(1, sortedCount);
        while (run < items.Count && compare(items[run - 1], items[run]) <= 0) run++;
        if (run >= items.Count) return;
        var rest = items.GetRange(run, items.Count - run);
        rest.Sort(compare);
        // From the back, in place: each of the rest, largest first, goes after the run's items not greater than it
        // (found by binary search), and the run's items greater than it move right in one block into the room left.
        var span = CollectionsMarshal.AsSpan(items);
        int runEnd = run, end = items.Count;
        for (var j = rest.Count - 1; j >= 0; j--)
        {
            var position = UpperBound(span[..runEnd], rest[j], compare);
            var moved = runEnd - position;
            span.Slice(position, moved).CopyTo(span.Slice(end - moved, moved));
            end -= moved;
            runEnd = position;
            span[--end] = rest[j];
        }
    }

    /// <summary>The index of the first item of <paramref name="sorted"/> greater than <paramref name="item"/>.</summary>
    private static int UpperBound<T>(ReadOnlySpan<T> sorted, T item, Comparison<T> compare)
    {
        int low = 0, high = sorted.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (compare(sorted[middle], item) <= 0) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
