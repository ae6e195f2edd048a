using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A captured sidecar's TCP routing for one service port, as Istio's sidecar TCP listener takes it: the first
/// <c>tcp</c> route of the service's VirtualService with a match that applies to this proxy and port (a route
/// without matches applies), its destinations split by weight; no such route, the service's own cluster.
/// A match applies when its port (if any) is the port, its gateways (if any) include <c>mesh</c>, its sourceLabels
/// are the proxy's and its sourceNamespace (if any) the proxy's. destinationSubnets and sourceSubnet are not
/// evaluated (reported as having no effect).
/// </summary>
internal static class TcpRouteTranslator
{
    /// <param name="proxy">What the routes read of the proxy: its namespace and, where a match names them, its labels.</param>
    public static void Translate(VirtualServiceModel? virtualService, ServiceModel service, uint port, OutboundRouteInputs proxy, MeshSnapshot snapshot, Listener listener)
    {
        if (virtualService is not null)
        {
            var tcp = virtualService.Spec.Tcp;
            for (var routeIndex = 0; routeIndex < tcp.Count; routeIndex++)
            {
                if (FirstApplyingMatch(tcp[routeIndex], port, proxy, virtualService.Namespace) is not { } matchIndex) continue;
                AddDestinations(tcp[routeIndex], virtualService.Namespace, port, snapshot, proxy.Namespace, listener.TcpClusters);
                listener.TcpRouteOrigin = new RouteOrigin
                {
                    VirtualService = virtualService.Name,
                    Namespace = virtualService.Namespace,
                    HttpRouteIndex = routeIndex,
                    MatchIndex = matchIndex,
                };
                return;
            }
        }
        listener.TcpClusters.Add(new WeightedCluster { Name = ClusterNames.Outbound(port, null, service.Hostname), Weight = 100 });
    }

    /// <summary>The index of the route's first match that applies (0 for a route without matches); null when none does.</summary>
    private static int? FirstApplyingMatch(TcpRoute route, uint port, OutboundRouteInputs proxy, string virtualServiceNamespace)
    {
        if (route.Match.Count == 0) return 0;
        for (var i = 0; i < route.Match.Count; i++)
        {
            if (Applies(route.Match[i], port, proxy, virtualServiceNamespace)) return i;
        }
        return null;
    }

    private static bool Applies(L4MatchAttributes match, uint port, OutboundRouteInputs proxy, string virtualServiceNamespace)
    {
        if (match.Port is { } matchPort && matchPort != port) return false;
        if (match.Gateways.Count > 0)
        {
            var mesh = false;
            foreach (var gateway in match.Gateways) mesh |= HostNames.ResolveGateway(gateway, virtualServiceNamespace) == HostNames.MeshGateway;
            if (!mesh) return false;
        }
        foreach (var (key, value) in match.SourceLabels)
        {
            if (!proxy.Labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return string.IsNullOrEmpty(match.SourceNamespace) || match.SourceNamespace == proxy.Namespace;
    }

    /// <summary>Istio's weights: a single destination takes every connection whatever its weight; with several, a zero weight gets none.</summary>
    private static void AddDestinations(TcpRoute route, string virtualServiceNamespace, uint port, MeshSnapshot snapshot, string proxyNamespace,
        Google.Protobuf.Collections.RepeatedField<WeightedCluster> clusters)
    {
        foreach (var destination in route.Route)
        {
            if (destination.Destination is null) continue;
            var weight = route.Route.Count == 1 ? 100u : (uint)Math.Max(0, destination.Weight);
            if (weight == 0) continue;
            clusters.Add(new WeightedCluster
            {
                Name = RouteActionTranslator.DestinationCluster(destination.Destination, virtualServiceNamespace, port, snapshot, proxyNamespace),
                Weight = weight,
            });
        }
    }
}
