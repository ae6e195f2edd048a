using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A gateway proxy's listeners and routes: the Gateways selecting it give one listener per HTTP server port
/// (<c>&lt;address&gt;_&lt;port&gt;</c>, route configuration <c>http.&lt;port&gt;</c>); the VirtualServices bound to those
/// Gateways give virtual hosts for the intersection of their hosts with the servers' hosts.
/// </summary>
internal static class RouterGenerator
{
    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var gatewayNames = new HashSet<string>(StringComparer.Ordinal);
        var serversByPort = new SortedDictionary<uint, List<(GatewayModel Gateway, Contracts.Istio.Networking.Server Server)>>();
        foreach (var gateway in snapshot.Gateways)
        {
            if (!gateway.Selects(proxy.Labels)) continue;
            gatewayNames.Add(gateway.Key);
            foreach (var server in gateway.Spec.Servers)
            {
                // HTTP servers, and HTTPS servers that terminate TLS here (SIMPLE, MUTUAL); PASSTHROUGH is not served yet.
                if (server.Port?.Number is not { } number || !(IsHttp(server.Port.Protocol) || GatewayTlsTranslator.Terminates(server))) continue;
                if (!serversByPort.TryGetValue(number, out var list)) serversByPort[number] = list = [];
                list.Add((gateway, server));
            }
        }

        foreach (var (port, servers) in serversByPort)
        {
            var routeConfigName = $"http.{port}";
            var listener = new Listener
            {
                Name = $"{proxy.BindAddress}_{port}",
                Address = proxy.BindAddress,
                Port = port,
                Direction = TrafficDirection.Gateway,
                RouteConfigName = routeConfigName,
            };
            foreach (var (gateway, server) in servers)
            {
                if (GatewayTlsTranslator.Terminates(server)) listener.TlsServers.Add(GatewayTlsTranslator.Translate(snapshot, gateway, server));
            }
            listeners.Add(listener);
            routes.Add(BuildRouteConfiguration(routeConfigName, port, servers, gatewayNames, proxy, snapshot));
        }
    }

    private static RouteConfiguration BuildRouteConfiguration(string name, uint port, List<(GatewayModel Gateway, Contracts.Istio.Networking.Server Server)> servers,
        IReadOnlySet<string> gatewayNames, ProxyContext proxy, MeshSnapshot snapshot)
    {
        var virtualHosts = new Dictionary<string, VirtualHost>(StringComparer.Ordinal);
        var translated = new HashSet<(VirtualServiceModel, string)>();
        foreach (var (gateway, server) in servers)
        {
            foreach (var virtualService in snapshot.VirtualServicesFor(gateway.Key))
            {
                foreach (var serverHost in server.Hosts)
                {
                    var (allowedNamespace, hostPattern) = SplitServerHost(serverHost, gateway.Namespace);
                    if (allowedNamespace != "*" && allowedNamespace != virtualService.Namespace) continue;
                    foreach (var virtualServiceHost in virtualService.Hosts)
                    {
                        if (HostNames.Intersect(virtualServiceHost, hostPattern) is not { } host) continue;
                        // The same VirtualService reached through two servers of this port routes a host once.
                        if (!translated.Add((virtualService, host))) continue;
                        if (!virtualHosts.TryGetValue(host, out var virtualHost))
                        {
                            virtualHosts[host] = virtualHost = new VirtualHost { Name = $"{host}:{port}", Domains = { host == "*" ? "*" : $"{host}:*" }, IncludeRequestAttemptCount = true };
                        }
                        if (server.Tls?.HttpsRedirect == true)
                        {
                            // Istio's httpsRedirect: every request on this plain HTTP server gets a 301 to https.
                            if (virtualHost.Routes.Count == 0) virtualHost.Routes.Add(GatewayTlsTranslator.HttpsRedirectRoute());
                            continue;
                        }
                        // Istio merges the routes of VirtualServices that share a host on a gateway, in snapshot order.
                        virtualHost.Routes.AddRange(HttpRouteTranslator.Translate(virtualService, proxy, gatewayNames, port, snapshot));
                    }
                }
            }
        }

        var routeConfig = new RouteConfiguration { Name = name };
        var ordered = new List<VirtualHost>(virtualHosts.Values);
        ordered.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        routeConfig.VirtualHosts.AddRange(ordered);
        if (routeConfig.VirtualHosts.Count == 0)
        {
            // Istio answers 404 on a gateway port no VirtualService serves.
            var blackhole = new VirtualHost { Name = $"blackhole:{port}", Domains = { "*" } };
            blackhole.Routes.Add(new Route
            {
                Name = "blackhole",
                Match = RouteMatchTranslator.CatchAll(),
                DirectResponse = new DirectResponseAction { Status = 404 },
                Origin = new RouteOrigin(),
            });
            routeConfig.VirtualHosts.Add(blackhole);
        }
        return routeConfig;
    }

    /// <summary>
    /// A server host is <c>[namespace/]host</c>: the namespace whose VirtualServices may bind (<c>*</c> any,
    /// <c>.</c> the Gateway's own), defaulting to any.
    /// </summary>
    private static (string Namespace, string Host) SplitServerHost(string serverHost, string gatewayNamespace)
    {
        var slash = serverHost.IndexOf('/');
        if (slash < 0) return ("*", serverHost.ToLowerInvariant());
        var ns = serverHost[..slash];
        return (ns == "." ? gatewayNamespace : ns, serverHost[(slash + 1)..].ToLowerInvariant());
    }

    private static bool IsHttp(string protocol) =>
        protocol.Equals("HTTP", StringComparison.OrdinalIgnoreCase)
        || protocol.Equals("HTTP2", StringComparison.OrdinalIgnoreCase)
        || protocol.Equals("GRPC", StringComparison.OrdinalIgnoreCase);
}
