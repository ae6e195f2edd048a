using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A sidecar's outbound side: the <c>virtualOutbound</c> listener and the <c>outbound</c> route configuration, one
/// virtual host per service port. A captured sidecar's virtualOutbound takes every captured connection on 0.0.0.0 and
/// hands it on by its original destination (<see cref="CapturedOutboundListeners"/>), what none takes going where
/// outboundTrafficPolicy says; its virtual hosts also answer to the services' addresses, and a last one takes the
/// rest (<see cref="OutboundFallthrough"/>).
/// </summary>
internal static class SidecarOutboundGenerator
{
    public const string ListenerName = "virtualOutbound";
    public const string RouteConfigName = "outbound";
    private static readonly IReadOnlySet<string> MeshOnly = new HashSet<string>(StringComparer.Ordinal) { HostNames.MeshGateway };

    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var outbound = new Listener
        {
            Name = ListenerName,
            Address = proxy.BindAddress,
            Port = proxy.Node.OutboundPort,
            Direction = TrafficDirection.Outbound,
            RouteConfigName = RouteConfigName,
        };
        if (proxy.IsCaptured)
        {
            // iptables redirects the pod's own connections to 127.0.0.1: the listener takes every local address.
            outbound.Address = CapturedOutboundListeners.Wildcard;
            outbound.UseOriginalDst = true;
            outbound.Protocol = ListenerProtocol.Tcp;
            outbound.TcpClusters.Add(new WeightedCluster { Name = CaptureClusters.OutboundFallthrough(snapshot.Mesh), Weight = 100 });
            CapturedOutboundListeners.Generate(proxy, snapshot, listeners);
        }
        listeners.Add(outbound);

        var routeConfig = new RouteConfiguration { Name = RouteConfigName };
        // Captured: one virtual host per address and port, the first service's (a domain may name one virtual host).
        var claimedAddresses = proxy.IsCaptured ? new HashSet<string>(StringComparer.Ordinal) : null;
        foreach (var service in snapshot.Services)
        {
            if (!HostNames.IsExportedTo(service.ExportTo, service.Namespace, proxy.Namespace)) continue;
            var virtualService = FindVirtualService(service.Hostname, proxy, snapshot);
            foreach (var port in service.Ports)
            {
                if (!IsHttp(port)) continue;
                var virtualHost = new VirtualHost { Name = $"{service.Hostname}:{port.Number}", IncludeRequestAttemptCount = true };
                virtualHost.Domains.AddRange(SidecarDomains.For(service.Hostname, port.Number, proxy.Namespace));
                if (claimedAddresses is not null)
                {
                    foreach (var domain in SidecarDomains.ForAddresses(CapturedOutboundListeners.ListenerAddresses(service), port.Number))
                    {
                        if (claimedAddresses.Add(domain)) virtualHost.Domains.Add(domain);
                    }
                }
                if (virtualService is null)
                {
                    virtualHost.Routes.Add(DefaultRoute.To(ClusterNames.Outbound(port.Number, null, service.Hostname)));
                }
                else
                {
                    // Istio: a service covered by a VirtualService gets only its routes; none left for this proxy and port, no virtual host.
                    virtualHost.Routes.AddRange(HttpRouteTranslator.Translate(virtualService, proxy, MeshOnly, port.Number, snapshot));
                    if (virtualHost.Routes.Count == 0) continue;
                }
                routeConfig.VirtualHosts.Add(virtualHost);
            }
        }
        if (proxy.IsCaptured) routeConfig.VirtualHosts.Add(OutboundFallthrough.VirtualHost(snapshot.Mesh));
        routes.Add(routeConfig);
    }

    /// <summary>The mesh VirtualService for a host: one naming it exactly, else the one with the most specific wildcard host covering it.</summary>
    public static VirtualServiceModel? FindVirtualService(string hostname, ProxyContext proxy, MeshSnapshot snapshot) =>
        snapshot.FindMeshVirtualService(hostname, proxy.Namespace);

    /// <summary>Ports our HTTP proxy serves: HTTP, HTTP/2, gRPC, and unnamed protocols (Istio sniffs those).</summary>
    private static bool IsHttp(ServicePortModel port) => port.Carried is PortProtocol.Http or PortProtocol.Auto;
}
