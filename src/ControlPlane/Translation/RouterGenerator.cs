using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A gateway proxy's listeners and routes: the Gateways selecting it give one listener per port it listens on for their
/// servers (<c>&lt;address&gt;_&lt;port&gt;</c>, route configuration <c>http.&lt;port&gt;</c> when it serves HTTP), the
/// server's port translated to its Service's targetPort (<see cref="GatewayListenPorts"/>); the VirtualServices bound to
/// those Gateways give virtual hosts for the intersection of their hosts with the servers' hosts, and SNI routes from
/// their tls routes on PASSTHROUGH servers. Route matches and virtual host names keep the server's own port, as in Istio.
/// </summary>
internal static class RouterGenerator
{
    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var gatewayNames = new HashSet<string>(StringComparer.Ordinal);
        var serversByPort = new SortedDictionary<uint, List<(GatewayModel Gateway, Istio.Networking.Server Server)>>();
        var passthroughByPort = new SortedDictionary<uint, List<(GatewayModel Gateway, Istio.Networking.Server Server)>>();
        var listenPorts = GatewayListenPorts.For(proxy, snapshot);
        foreach (var gateway in snapshot.Gateways)
        {
            if (!gateway.Selects(proxy.Labels)) continue;
            gatewayNames.Add(gateway.Key);
            foreach (var server in gateway.Spec.Servers)
            {
                if (server.Port?.Number is not { } number) continue;
                // A server whose Secret cannot serve is left out, not served with another certificate (the source reports it).
                if (GatewayTlsTranslator.Terminates(server) && GatewayTlsTranslator.Translate(snapshot, gateway, server, proxy.Namespace) is null) continue;
                // HTTP servers and HTTPS servers that terminate TLS here (SIMPLE, MUTUAL) route requests; PASSTHROUGH ones route connections by SNI.
                var byPort = IsHttp(server.Port.Protocol) || GatewayTlsTranslator.Terminates(server) ? serversByPort
                    : PassthroughRouteTranslator.IsPassthrough(server) ? passthroughByPort : null;
                if (byPort is null) continue;
                var listenPort = listenPorts.ListenPort(number);
                if (!byPort.TryGetValue(listenPort, out var list)) byPort[listenPort] = list = [];
                list.Add((gateway, server));
            }
        }

        var authorization = AuthorizationTranslator.For(proxy, snapshot);
        var ports = new SortedSet<uint>(serversByPort.Keys);
        ports.UnionWith(passthroughByPort.Keys);
        var jwtAuthentication = RequestAuthenticationTranslator.For(proxy, snapshot);
        foreach (var port in ports)
        {
            var listener = new Listener
            {
                Name = $"{proxy.BindAddress}_{port}",
                Address = proxy.BindAddress,
                Port = port,
                Direction = TrafficDirection.Gateway,
                JwtAuthentication = jwtAuthentication,
                Authorization = authorization,
            };
            if (passthroughByPort.TryGetValue(port, out var passthrough))
            {
                listener.SniRoutes.AddRange(PassthroughRouteTranslator.Translate(passthrough, snapshot, proxy.Namespace));
            }
            if (serversByPort.TryGetValue(port, out var servers))
            {
                listener.RouteConfigName = $"http.{port}";
                foreach (var (gateway, server) in servers)
                {
                    if (GatewayTlsTranslator.Terminates(server) && GatewayTlsTranslator.Translate(snapshot, gateway, server, proxy.Namespace) is { } tls)
                    {
                        listener.TlsServers.Add(tls);
                    }
                }
                routes.Add(BuildRouteConfiguration(listener.RouteConfigName, servers, gatewayNames, proxy, snapshot));
            }
            // A PASSTHROUGH server no tls route is bound to gets no listener, as in Istio.
            if (listener.SniRoutes.Count > 0 || listener.RouteConfigName.Length > 0) listeners.Add(listener);
        }
    }

    private static RouteConfiguration BuildRouteConfiguration(string name, List<(GatewayModel Gateway, Istio.Networking.Server Server)> servers,
        IReadOnlySet<string> gatewayNames, ProxyContext proxy, MeshSnapshot snapshot)
    {
        var virtualHosts = new Dictionary<string, VirtualHost>(StringComparer.Ordinal);
        var translated = new HashSet<(VirtualServiceModel, string)>();
        foreach (var (gateway, server) in servers)
        {
            // Routes keep the server's port as the Gateway writes it (80 where the proxy listens on 8080): the number
            // VirtualService port matches and virtual host names use, as in Istio.
            var port = server.Port!.Number!.Value;
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
                        virtualHost.Routes.AddRange(HttpRouteTranslator.Translate(virtualService, proxy.Namespace, proxy.Labels, gatewayNames, port, snapshot));
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
            var port = servers[0].Server.Port!.Number!.Value;
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
