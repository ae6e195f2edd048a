// Istio's TLS passthrough on a gateway: the VirtualService tls routes bound to PASSTHROUGH servers, as SNI routes.
using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

internal static class PassthroughRouteTranslator
{
    public static bool IsPassthrough(Server server) =>
        server.Port is { } port
        && (port.Protocol.Equals("HTTPS", StringComparison.OrdinalIgnoreCase) || port.Protocol.Equals("TLS", StringComparison.OrdinalIgnoreCase))
        && server.Tls?.Mode == ServerTlsMode.Passthrough;

    /// <summary>
    /// The SNI routes of one gateway listener, in snapshot order: for every tls match of a bound VirtualService that
    /// applies to the server (its port number as written in the Gateway, and its gateways), the sniHosts intersected with
    /// the server's hosts. A name already claimed by an earlier route is left out, as Envoy allows one filter chain per
    /// server name.
    /// </summary>
    public static List<SniRoute> Translate(List<(GatewayModel Gateway, Server Server)> servers, MeshSnapshot snapshot, string proxyNamespace)
    {
        var routes = new List<SniRoute>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (gateway, server) in servers)
        {
            var port = server.Port!.Number!.Value;
            foreach (var virtualService in snapshot.VirtualServicesFor(gateway.Key))
            {
                for (var r = 0; r < virtualService.Spec.Tls.Count; r++)
                {
                    var tlsRoute = virtualService.Spec.Tls[r];
                    for (var m = 0; m < tlsRoute.Match.Count; m++)
                    {
                        var match = tlsRoute.Match[m];
                        if (!Applies(match, port, gateway, virtualService.Namespace)) continue;
                        var route = new SniRoute { Name = $"{virtualService.Name}.{virtualService.Namespace}.tls.{r}.{m}" };
                        foreach (var host in ServedHosts(match, server, gateway, virtualService.Namespace))
                        {
                            if (claimed.Add(host)) route.SniHosts.Add(host);
                        }
                        if (route.SniHosts.Count == 0) continue;
                        AddClusters(route, tlsRoute.Route, virtualService.Namespace, port, snapshot, proxyNamespace);
                        if (route.Clusters.Count > 0) routes.Add(route);
                    }
                }
            }
        }
        return routes;
    }

    private static bool Applies(TlsMatchAttributes match, uint port, GatewayModel gateway, string virtualServiceNamespace)
    {
        if (match.Port is { } matchPort && matchPort != port) return false;
        if (match.Gateways.Count == 0) return true;
        foreach (var name in match.Gateways)
        {
            if (HostNames.ResolveGateway(name, virtualServiceNamespace) == gateway.Key) return true;
        }
        return false;
    }

    private static List<string> ServedHosts(TlsMatchAttributes match, Server server, GatewayModel gateway, string virtualServiceNamespace)
    {
        var hosts = new List<string>();
        foreach (var serverHost in server.Hosts)
        {
            var slash = serverHost.IndexOf('/');
            var allowed = slash < 0 ? "*" : serverHost[..slash] == "." ? gateway.Namespace : serverHost[..slash];
            if (allowed != "*" && allowed != virtualServiceNamespace) continue;
            var pattern = (slash < 0 ? serverHost : serverHost[(slash + 1)..]).ToLowerInvariant();
            foreach (var sniHost in match.SniHosts)
            {
                if (HostNames.Intersect(sniHost.ToLowerInvariant(), pattern) is { } host && !hosts.Contains(host)) hosts.Add(host);
            }
        }
        return hosts;
    }

    private static void AddClusters(SniRoute route, IReadOnlyList<RouteDestination> destinations, string virtualServiceNamespace, uint port,
        MeshSnapshot snapshot, string proxyNamespace)
    {
        for (var i = 0; i < destinations.Count; i++)
        {
            if (destinations[i].Destination is not { } destination) continue;
            // Istio: a single destination takes all traffic whatever its weight; with several, a zero weight gets none.
            var weight = destinations.Count == 1 ? 100u : (uint)Math.Max(0, destinations[i].Weight);
            if (weight == 0) continue;
            route.Clusters.Add(new WeightedCluster { Name = RouteActionTranslator.DestinationCluster(destination, virtualServiceNamespace, port, snapshot, proxyNamespace), Weight = weight });
        }
    }
}
