using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>A sidecar's outbound side: the <c>virtualOutbound</c> listener and the <c>outbound</c> route configuration, one virtual host per service port.</summary>
internal static class SidecarOutboundGenerator
{
    public const string ListenerName = "virtualOutbound";
    public const string RouteConfigName = "outbound";
    private static readonly IReadOnlySet<string> MeshOnly = new HashSet<string>(StringComparer.Ordinal) { HostNames.MeshGateway };

    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        listeners.Add(new Listener
        {
            Name = ListenerName,
            Address = proxy.BindAddress,
            Port = proxy.Node.OutboundPort,
            Direction = TrafficDirection.Outbound,
            RouteConfigName = RouteConfigName,
        });

        var routeConfig = new RouteConfiguration { Name = RouteConfigName };
        foreach (var service in snapshot.Services)
        {
            if (!HostNames.IsExportedTo(service.ExportTo, service.Namespace, proxy.Namespace)) continue;
            var virtualService = FindVirtualService(service.Hostname, proxy, snapshot);
            foreach (var port in service.Ports)
            {
                if (!IsHttp(port)) continue;
                var virtualHost = new VirtualHost { Name = $"{service.Hostname}:{port.Number}", IncludeRequestAttemptCount = true };
                virtualHost.Domains.AddRange(SidecarDomains.For(service.Hostname, port.Number, proxy.Namespace));
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
        routes.Add(routeConfig);
    }

    /// <summary>The mesh VirtualService for a host: one naming it exactly, else the one with the most specific wildcard host covering it.</summary>
    private static VirtualServiceModel? FindVirtualService(string hostname, ProxyContext proxy, MeshSnapshot snapshot)
    {
        VirtualServiceModel? wildcardMatch = null;
        var wildcardLength = -1;
        foreach (var virtualService in snapshot.VirtualServicesFor(HostNames.MeshGateway))
        {
            if (!HostNames.IsExportedTo(virtualService.Spec.ExportTo, virtualService.Namespace, proxy.Namespace)) continue;
            foreach (var host in virtualService.Hosts)
            {
                if (host == hostname) return virtualService;
                if (HostNames.IsWildcard(host) && host.Length > wildcardLength && HostNames.IsSubsetOf(hostname, host))
                {
                    wildcardMatch = virtualService;
                    wildcardLength = host.Length;
                }
            }
        }
        return wildcardMatch;
    }

    /// <summary>Ports our HTTP proxy serves: HTTP, HTTP/2, gRPC, and unnamed protocols (Istio sniffs those).</summary>
    private static bool IsHttp(ServicePortModel port) => port.Protocol is "" or "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB";
}
