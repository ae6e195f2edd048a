using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A sidecar's inbound side: for each port where the mesh reaches its workload, a <c>virtualInbound_&lt;port&gt;</c>
/// listener routing everything (no retries) to <c>inbound|&lt;port&gt;||</c>, whose one endpoint is the local application,
/// after the AuthorizationPolicies that apply to the workload allow the request.
/// <para>
/// A captured sidecar also gets <c>virtualInbound</c> on the capture port (0.0.0.0, every captured inbound connection,
/// handed on by its original destination port; a port the workload does not declare goes to the application as
/// InboundPassthroughCluster), and its per-port listeners are hand-off only, carry the port's protocol (HTTP, TCP, or
/// sniffed when no service port declares one) and send opaque bytes to the inbound cluster, whose endpoint is the
/// application's host at that same port.
/// </para>
/// </summary>
internal static class SidecarInboundGenerator
{
    public const string CaptureListenerName = "virtualInbound";

    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
        List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var jwtAuthentication = RequestAuthenticationTranslator.For(proxy, snapshot);
        var authorization = AuthorizationTranslator.For(proxy, snapshot);
        if (proxy.IsCaptured) AddCaptureListener(proxy, snapshot, jwtAuthentication, authorization, listeners, routes);
        if (proxy.Workload is not { } workload) return;
        var hasApp = TryParseAppAddress(proxy.Node.AppAddress, out var appHost, out var appPort);
        foreach (var (port, (protocol, carried)) in InboundPorts(workload, snapshot))
        {
            var clusterName = ClusterNames.Inbound(port);
            var routeConfigName = $"inbound|{port}";
            var listener = new Listener
            {
                Name = $"{CaptureListenerName}_{port}",
                Address = proxy.BindAddress,
                Port = port,
                Direction = TrafficDirection.Inbound,
                RouteConfigName = routeConfigName,
                TlsMode = PeerAuthenticationResolver.ModeFor(snapshot, workload.Namespace, proxy.Labels, port),
                JwtAuthentication = jwtAuthentication,
                Authorization = authorization,
            };
            if (proxy.IsCaptured)
            {
                listener.HandoffOnly = true;
                listener.Protocol = carried switch { PortProtocol.Http => ListenerProtocol.Http, PortProtocol.Tcp => ListenerProtocol.Tcp, _ => ListenerProtocol.Auto };
                listener.TcpClusters.Add(new WeightedCluster { Name = clusterName, Weight = 100 });
            }
            listeners.Add(listener);
            routes.Add(CatchAllRoutes(routeConfigName, $"inbound|http|{port}", clusterName));

            clusters.Add(new Cluster
            {
                Name = clusterName,
                ServicePort = port,
                ConnectTimeoutMs = 10_000,
                Protocol = protocol,
            });
            var assignment = new ClusterLoadAssignment { ClusterName = clusterName };
            if (hasApp)
            {
                // The workload's identity, at the address where its application listens locally: on its one --app port,
                // or, captured, on the port the connection was for (the application serves each of its ports itself).
                var endpoint = OutboundClusterBuilder.ToEndpoint(workload, proxy.IsCaptured ? port : appPort);
                endpoint.Address = appHost;
                assignment.Endpoints.Add(endpoint);
            }
            endpoints.Add(assignment);
        }
    }

    /// <summary>
    /// <c>virtualInbound</c>: 0.0.0.0 on the capture port (iptables redirects to the pod's address), each connection
    /// handed to <c>virtualInbound_&lt;port&gt;</c> by its original destination; a port no listener serves is sniffed
    /// and goes to the application at that port (InboundPassthroughCluster), with the workload's mTLS mode and policies.
    /// </summary>
    private static void AddCaptureListener(ProxyContext proxy, MeshSnapshot snapshot, JwtAuthentication? jwtAuthentication, Contracts.Discovery.Authorization? authorization,
        List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var listener = new Listener
        {
            Name = CaptureListenerName,
            Address = CapturedOutboundListeners.Wildcard,
            Port = proxy.Node.InboundCapturePort,
            Direction = TrafficDirection.Inbound,
            RouteConfigName = CaptureListenerName,
            // The workload's mode: port-level mTLS names ports, and this listener serves the undeclared ones.
            TlsMode = PeerAuthenticationResolver.ModeFor(snapshot, proxy.Namespace, proxy.Labels, 0),
            JwtAuthentication = jwtAuthentication,
            Authorization = authorization,
            UseOriginalDst = true,
            Protocol = ListenerProtocol.Auto,
        };
        listener.TcpClusters.Add(new WeightedCluster { Name = CaptureClusters.InboundPassthrough, Weight = 100 });
        listeners.Add(listener);
        routes.Add(CatchAllRoutes(CaptureListenerName, "inbound|http|0", CaptureClusters.InboundPassthrough));
    }

    /// <summary>Everything to one cluster, without retries: what the inbound side routes with.</summary>
    private static RouteConfiguration CatchAllRoutes(string name, string virtualHostName, string clusterName)
    {
        var action = new RouteAction();
        action.Clusters.Add(new WeightedCluster { Name = clusterName, Weight = 100 });
        var virtualHost = new VirtualHost { Name = virtualHostName, Domains = { "*" } };
        virtualHost.Routes.Add(new Route { Name = "default", Match = RouteMatchTranslator.CatchAll(), Route_ = action, Origin = new RouteOrigin() });
        return new RouteConfiguration { Name = name, VirtualHosts = { virtualHost } };
    }

    /// <summary>
    /// Where the mesh reaches the workload: every port its WorkloadEntry (or Pod: its named container ports) declares,
    /// plus the port each service with it as an endpoint sends to. The protocol to the application comes from the first
    /// service port that declares one (HTTP/2 for HTTP2 and gRPC ports, whichever declares it): HTTP/1.1, or the
    /// client's own where none does (Istio's inbound for a detected port, so that an h2 client reaches the application
    /// as h2 and an HTTP/1.1 one as HTTP/1.1). How a captured sidecar carries the port follows the same service port
    /// (none: sniffed).
    /// </summary>
    private static SortedDictionary<uint, (UpstreamProtocol Upstream, PortProtocol Carried)> InboundPorts(WorkloadModel workload, MeshSnapshot snapshot)
    {
        var ports = new SortedDictionary<uint, (UpstreamProtocol Upstream, PortProtocol Carried)>();
        foreach (var port in workload.Ports.Values) ports[port] = (UpstreamProtocol.Downstream, PortProtocol.Auto);
        ServiceModel? served = null;
        foreach (var (service, endpoint) in snapshot.EndpointsNamed(workload.Namespace, workload.Name))
        {
            // Each service once, by its first endpoint that is this workload.
            if (ReferenceEquals(service, served) || !IsThisWorkload(endpoint, workload)) continue;
            served = service;
            foreach (var servicePort in service.Ports)
            {
                // The port the service sends to: the endpoint's own (a Kubernetes endpoint's is its slice's, where a
                // named targetPort is resolved), else the target port.
                var port = endpoint.PortFor(servicePort);
                var declared = ports.TryGetValue(port, out var current) && current.Carried != PortProtocol.Auto;
                var upstream = servicePort.IsHttp2 ? UpstreamProtocol.Http2
                    : declared ? current.Upstream
                    : servicePort.Carried == PortProtocol.Auto ? UpstreamProtocol.Downstream : UpstreamProtocol.Http1;
                ports[port] = (upstream, declared ? current.Carried : servicePort.Carried);
            }
        }
        return ports;
    }

    /// <summary>
    /// Whether a service's endpoint is this workload: the workload itself (a ServiceEntry selecting it), or an endpoint
    /// naming the same pod at the same address (a Kubernetes Service's, built from its EndpointSlices).
    /// </summary>
    private static bool IsThisWorkload(WorkloadModel endpoint, WorkloadModel workload) =>
        ReferenceEquals(endpoint, workload)
        || (!endpoint.IsInlineEndpoint && endpoint.Name == workload.Name && endpoint.Namespace == workload.Namespace && endpoint.Address == workload.Address);

    private static bool TryParseAppAddress(string appAddress, out string address, out uint port)
    {
        address = "";
        port = 0;
        if (!IPEndPoint.TryParse(appAddress, out var endpoint))
        {
            var colon = appAddress.LastIndexOf(':');
            if (colon <= 0 || !uint.TryParse(appAddress.AsSpan(colon + 1), out port)) return false;
            address = appAddress[..colon];
            return true;
        }
        address = endpoint.Address.ToString();
        port = (uint)endpoint.Port;
        return port != 0;
    }
}
