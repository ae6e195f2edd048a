using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A sidecar's outbound side: the <c>virtualOutbound</c> listener and the <c>outbound</c> route configuration, one
/// virtual host per service port the proxy sees (exported to its namespace, imported by its Sidecar resource), in
/// parts by destination namespace (<see cref="OutboundRouteParts"/>) so that a change resends one part to a proxy
/// that takes increments. A captured sidecar's virtualOutbound takes every
/// captured connection on 0.0.0.0 and hands it on by its original destination (<see cref="CapturedOutboundListeners"/>), what none takes going where
/// outboundTrafficPolicy says; its virtual hosts also answer to the services' addresses, and a last one takes the
/// rest (<see cref="OutboundFallthrough"/>).
/// </summary>
internal static class SidecarOutboundGenerator
{
    public const string ListenerName = "virtualOutbound";
    public const string RouteConfigName = "outbound";
    private static readonly IReadOnlySet<string> MeshOnly = new HashSet<string>(StringComparer.Ordinal) { HostNames.MeshGateway };

    /// <param name="types">Whether listeners, routes or both are asked for: a captured sidecar's listeners walk every service.</param>
    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, ResourceTypes types, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        if ((types & ResourceTypes.Listeners) != 0) AddListeners(proxy, snapshot, listeners);
        if ((types & ResourceTypes.Routes) == 0) return;
        var shared = SharedTranslation.For(snapshot);
        routes.AddRange(shared.GetOrBuild(OutboundRouteInputs.Of(proxy, shared), snapshot, BuildRouteConfigurations, static built => built));
    }

    private static void AddListeners(ProxyContext proxy, MeshSnapshot snapshot, List<Listener> listeners)
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
            outbound.TcpClusters.Add(new WeightedCluster { Name = CaptureClusters.OutboundFallthrough(proxy.OutboundTrafficPolicy(snapshot)), Weight = 100 });
            var shared = SharedTranslation.For(snapshot);
            listeners.AddRange(shared.GetOrBuild(new CapturedOutboundListeners.Inputs(OutboundRouteInputs.Of(proxy, shared)), snapshot,
                CapturedOutboundListeners.Generate, static built => built));
        }
        listeners.Add(outbound);
    }

    /// <summary>
    /// The <c>outbound</c> route configuration and its parts, in one pass over the services (a captured sidecar's
    /// addresses are claimed across all of them): built once per snapshot for all proxies with equal <paramref name="inputs"/>.
    /// A destination namespace whose parts the last snapshot built alike is not walked (<see cref="RouteTranslationMemo.CarriedNamespace"/>),
    /// but for the addresses its services claim.
    /// </summary>
    private static IReadOnlyList<RouteConfiguration> BuildRouteConfigurations(OutboundRouteInputs inputs, MeshSnapshot snapshot)
    {
        var routeConfig = new RouteConfiguration { Name = RouteConfigName };
        var parts = new OutboundRouteParts(RouteConfigName);
        // Captured: one virtual host per address and port, the first service's (a domain may name one virtual host).
        var claimedAddresses = inputs.Captured ? new HashSet<string>(StringComparer.Ordinal) : null;
        var translated = RouteTranslationMemo.For(snapshot);
        var shared = SharedTranslation.For(snapshot);
        // Per destination namespace met: its parts carried from the last snapshot, or null where they are built now.
        var carried = new Dictionary<string, RouteConfiguration[]?>(StringComparer.Ordinal);
        var built = new List<RouteConfiguration>();
        foreach (var service in snapshot.Services)
        {
            if (!HostNames.IsExportedTo(service.ExportTo, service.Namespace, inputs.Namespace) || !inputs.Scope.Imports(service)) continue;
            if (!carried.TryGetValue(service.Namespace, out var carriedParts))
            {
                carried.Add(service.Namespace, carriedParts = translated.CarriedNamespace(service.Namespace, inputs));
                if (carriedParts is not null) built.AddRange(carriedParts);
            }
            if (carriedParts is not null && claimedAddresses is null) continue;
            var virtualService = carriedParts is null ? FindVirtualService(service.Hostname, inputs.Namespace, inputs.Scope, snapshot) : null;
            foreach (var port in service.Ports)
            {
                if (!IsHttp(port) || !inputs.Scope.ImportsPort(service, port.Number)) continue;
                var virtualHost = carriedParts is null ? new VirtualHost { Name = $"{service.Hostname}:{port.Number}", IncludeRequestAttemptCount = true } : null;
                virtualHost?.Domains.AddRange(shared.SidecarDomainsOf(service.Hostname, port.Number, inputs.Namespace));
                if (claimedAddresses is not null)
                {
                    foreach (var domain in SidecarDomains.ForAddresses(CapturedOutboundListeners.ListenerAddresses(service), port.Number))
                    {
                        if (claimedAddresses.Add(domain)) virtualHost?.Domains.Add(domain);
                    }
                }
                if (virtualHost is null) continue;
                if (virtualService is null)
                {
                    virtualHost.Routes.Add(DefaultRoute.To(ClusterNames.Outbound(port.Number, null, service.Hostname)));
                }
                else
                {
                    // Istio: a service covered by a VirtualService gets only its routes; none left for this proxy and port, no virtual host.
                    virtualHost.Routes.AddRange(translated.SidecarRoutes(virtualService, inputs, MeshOnly, port.Number, snapshot));
                    if (virtualHost.Routes.Count == 0) continue;
                }
                parts.Add(service.Namespace, service.Hostname, virtualHost);
            }
        }
        if (inputs.Captured) routeConfig.VirtualHosts.Add(OutboundFallthrough.VirtualHost(inputs.Scope.OutboundTrafficPolicy(snapshot.Mesh)));
        foreach (var (destinationNamespace, namespaceParts) in parts.Build())
        {
            for (var i = 0; i < namespaceParts.Length; i++) namespaceParts[i] = translated.SidecarPart(namespaceParts[i], inputs);
            translated.BuiltNamespace(destinationNamespace, inputs, namespaceParts);
            built.AddRange(namespaceParts);
        }
        built.Add(translated.SidecarPart(routeConfig, inputs));
        // In the order proxies are sent them, once here rather than once per proxy.
        built.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return built;
    }

    /// <summary>
    /// The mesh VirtualService for a host among those the proxy sees (exported to its namespace, imported by its
    /// Sidecar): one naming it exactly, else the one with the most specific wildcard host covering it.
    /// </summary>
    public static VirtualServiceModel? FindVirtualService(string hostname, ProxyContext proxy, MeshSnapshot snapshot) =>
        FindVirtualService(hostname, proxy.Namespace, proxy.Scope, snapshot);

    internal static VirtualServiceModel? FindVirtualService(string hostname, string proxyNamespace, SidecarScope scope, MeshSnapshot snapshot)
    {
        foreach (var virtualService in snapshot.MeshVirtualServicesNaming(hostname))
        {
            if (Sees(proxyNamespace, scope, virtualService)) return virtualService;
        }
        VirtualServiceModel? wildcardMatch = null;
        var wildcardLength = -1;
        foreach (var (host, virtualService) in snapshot.MeshWildcardVirtualServices)
        {
            if (host.Length > wildcardLength && HostNames.IsSubsetOf(hostname, host) && Sees(proxyNamespace, scope, virtualService))
            {
                wildcardMatch = virtualService;
                wildcardLength = host.Length;
            }
        }
        return wildcardMatch;
    }

    private static bool Sees(string proxyNamespace, SidecarScope scope, VirtualServiceModel virtualService) =>
        HostNames.IsExportedTo(virtualService.Spec.ExportTo, virtualService.Namespace, proxyNamespace) && scope.Imports(virtualService);

    /// <summary>Ports our HTTP proxy serves: HTTP, HTTP/2, gRPC, and unnamed protocols (Istio sniffs those).</summary>
    private static bool IsHttp(ServicePortModel port) => port.Carried is PortProtocol.Http or PortProtocol.Auto;
}
