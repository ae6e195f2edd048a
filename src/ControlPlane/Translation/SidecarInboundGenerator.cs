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
/// <para>
/// A Sidecar with ingress listeners replaces the ports with its own, as Istio does: each listens on its port and
/// forwards to its defaultEndpoint.
/// </para>
/// </summary>
internal static class SidecarInboundGenerator
{
    public const string CaptureListenerName = "virtualInbound";

    /// <summary>Istio's mesh-wide default connect timeout.</summary>
    private const uint DefaultConnectTimeoutMs = 10_000;

    /// <param name="types">
    /// The types to produce (others are left out): a route change needs only the routes, not the policies translated
    /// for every listener, whose cost each of a thousand proxies would pay again.
    /// </param>
    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, ResourceTypes types, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
        List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var wantsListeners = (types & ResourceTypes.Listeners) != 0;
        var jwtAuthentication = wantsListeners ? RequestAuthenticationTranslator.For(proxy, snapshot) : null;
        var authorization = wantsListeners ? AuthorizationTranslator.For(proxy, snapshot) : null;
        if (proxy.IsCaptured) AddCaptureListener(proxy, snapshot, types, jwtAuthentication, authorization, listeners, routes);
        if (proxy.Workload is not { } workload) return;
        // Only the endpoints read the application's address.
        string? appHost = null;
        var appPort = 0u;
        if ((types & ResourceTypes.Endpoints) != 0 && TryParseAppAddress(proxy.Node.AppAddress, out var parsedHost, out var parsedPort)) (appHost, appPort) = (parsedHost, parsedPort);
        var servicePorts = InboundPorts(workload, snapshot);
        var inbound = new InboundContext(proxy, snapshot, types, workload, jwtAuthentication, authorization, appHost, appPort);
        if (proxy.Scope.Sidecar is { Ingress.Count: > 0 } sidecar)
        {
            // The Sidecar's ingress listeners replace the ports the services send to; each port's service still
            // names the DestinationRule whose connection pool applies when the Sidecar sets none.
            foreach (var ingress in sidecar.Ingress)
            {
                var port = ingress.Port;
                var upstream = port.IsHttp2 ? UpstreamProtocol.Http2 : port.Carried == PortProtocol.Auto ? UpstreamProtocol.Downstream : UpstreamProtocol.Http1;
                var service = servicePorts.TryGetValue(port.Number, out var served) ? served.Service : null;
                AddPort(inbound, port.Number, upstream, port.Carried, service, ingress.Endpoint, clusters, endpoints, listeners, routes);
            }
            return;
        }
        foreach (var (port, (protocol, carried, service)) in servicePorts)
        {
            AddPort(inbound, port, protocol, carried, service, null, clusters, endpoints, listeners, routes);
        }
    }

    /// <summary>What every inbound port of one sidecar shares.</summary>
    private sealed record InboundContext(ProxyContext Proxy, MeshSnapshot Snapshot, ResourceTypes Types, WorkloadModel Workload, JwtAuthentication? JwtAuthentication,
        Contracts.Discovery.Authorization? Authorization, string? AppHost, uint AppPort);

    /// <summary>
    /// One inbound port: its listener, catch-all routes, cluster and endpoint. The endpoint is <paramref name="endpoint"/>
    /// when an ingress listener names one, else the application: on its one --app port, or, captured, on this port
    /// (the application serves each of its ports itself).
    /// </summary>
    private static void AddPort(InboundContext inbound, uint port, UpstreamProtocol protocol, PortProtocol carried, (ServiceModel, ServicePortModel)? service,
        IngressEndpoint? endpoint, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        var proxy = inbound.Proxy;
        var clusterName = ClusterNames.Inbound(port);
        var routeConfigName = $"inbound|{port}";
        if ((inbound.Types & ResourceTypes.Routes) != 0) routes.Add(CatchAllRoutes(routeConfigName, $"inbound|http|{port}", clusterName));
        if ((inbound.Types & ResourceTypes.Listeners) != 0) listeners.Add(PortListener(inbound, port, carried, clusterName, routeConfigName));
        if ((inbound.Types & ResourceTypes.Clusters) != 0) clusters.Add(InboundCluster(inbound, port, protocol, service, clusterName));
        if ((inbound.Types & ResourceTypes.Endpoints) != 0) endpoints.Add(InboundEndpoints(inbound, port, endpoint, clusterName));
    }

    private static Listener PortListener(InboundContext inbound, uint port, PortProtocol carried, string clusterName, string routeConfigName)
    {
        var proxy = inbound.Proxy;
        var listener = new Listener
        {
            Name = $"{CaptureListenerName}_{port}",
            Address = proxy.BindAddress,
            Port = port,
            Direction = TrafficDirection.Inbound,
            RouteConfigName = routeConfigName,
            TlsMode = PeerAuthenticationResolver.ModeFor(inbound.Snapshot, inbound.Workload.Namespace, proxy.Labels, port),
            JwtAuthentication = inbound.JwtAuthentication,
            Authorization = inbound.Authorization,
        };
        if (proxy.IsCaptured)
        {
            listener.HandoffOnly = true;
            listener.Protocol = carried switch { PortProtocol.Http => ListenerProtocol.Http, PortProtocol.Tcp => ListenerProtocol.Tcp, _ => ListenerProtocol.Auto };
            listener.TcpClusters.Add(new WeightedCluster { Name = clusterName, Weight = 100 });
        }
        return listener;
    }

    private static Cluster InboundCluster(InboundContext inbound, uint port, UpstreamProtocol protocol, (ServiceModel, ServicePortModel)? service, string clusterName)
    {
        var pool = InboundConnectionPool(inbound.Proxy, inbound.Snapshot, port, service);
        return new Cluster
        {
            Name = clusterName,
            ServicePort = port,
            ConnectTimeoutMs = pool?.Tcp?.ConnectTimeout is { } timeout ? RetryPolicyTranslator.ToMilliseconds(timeout) : DefaultConnectTimeoutMs,
            Protocol = protocol,
            ConnectionPool = ConnectionPoolTranslator.Translate(pool),
        };
    }

    private static ClusterLoadAssignment InboundEndpoints(InboundContext inbound, uint port, IngressEndpoint? endpoint, string clusterName)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = clusterName };
        if (endpoint is not null)
        {
            var forwarded = OutboundClusterBuilder.ToEndpoint(inbound.Workload, endpoint.Port);
            forwarded.Address = endpoint.AddressFor(inbound.Workload);
            assignment.Endpoints.Add(forwarded);
        }
        else if (inbound.AppHost is { } appHost)
        {
            // The workload's identity, at the address where its application listens locally.
            var application = OutboundClusterBuilder.ToEndpoint(inbound.Workload, inbound.Proxy.IsCaptured ? port : inbound.AppPort);
            application.Address = appHost;
            assignment.Endpoints.Add(application);
        }
        return assignment;
    }

    /// <summary>
    /// <c>virtualInbound</c>: 0.0.0.0 on the capture port (iptables redirects to the pod's address), each connection
    /// handed to <c>virtualInbound_&lt;port&gt;</c> by its original destination; a port no listener serves is sniffed
    /// and goes to the application at that port (InboundPassthroughCluster), with the workload's mTLS mode and policies.
    /// </summary>
    private static void AddCaptureListener(ProxyContext proxy, MeshSnapshot snapshot, ResourceTypes types, JwtAuthentication? jwtAuthentication,
        Contracts.Discovery.Authorization? authorization, List<Listener> listeners, List<RouteConfiguration> routes)
    {
        if ((types & ResourceTypes.Routes) != 0) routes.Add(CatchAllRoutes(CaptureListenerName, "inbound|http|0", CaptureClusters.InboundPassthrough));
        if ((types & ResourceTypes.Listeners) == 0) return;
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
    }

    /// <summary>
    /// The connection pool of the inbound cluster, as Istio builds it: the Sidecar's for the port (its ingress
    /// listener's, else its inboundConnectionPool), else the connectionPool of the DestinationRule of the first service
    /// sending to the port (its port-level settings for that service port first), which Istio applies to the server's
    /// inbound side too. Nothing else of the rule applies inbound, and a rule's workloadSelector is for outbound traffic
    /// only (Istio's SidecarScope.DestinationRule), so rules with one are passed over.
    /// </summary>
    private static Istio.Networking.ConnectionPoolSettings? InboundConnectionPool(ProxyContext proxy, MeshSnapshot snapshot, uint port,
        (ServiceModel Service, ServicePortModel Port)? service)
    {
        if (proxy.Scope.Sidecar?.InboundConnectionPoolFor(port) is { } sidecarPool) return sidecarPool;
        if (service is not var (serviceModel, servicePort)) return null;
        var rule = snapshot.FindDestinationRule(serviceModel.Hostname, proxy.Namespace, serviceModel.Namespace, []);
        return OutboundClusterBuilder.ConnectionPool(rule?.Spec.TrafficPolicy, null, servicePort.Number);
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
    /// (none: sniffed). The first service port sending to a port is kept too: its DestinationRule's connection pool
    /// applies to the port's inbound cluster.
    /// </summary>
    private static SortedDictionary<uint, (UpstreamProtocol Upstream, PortProtocol Carried, (ServiceModel, ServicePortModel)? Service)> InboundPorts(
        WorkloadModel workload, MeshSnapshot snapshot)
    {
        var ports = new SortedDictionary<uint, (UpstreamProtocol Upstream, PortProtocol Carried, (ServiceModel, ServicePortModel)? Service)>();
        foreach (var port in workload.Ports.Values) ports[port] = (UpstreamProtocol.Downstream, PortProtocol.Auto, null);
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
                ports[port] = (upstream, declared ? current.Carried : servicePort.Carried, current.Service ?? (service, servicePort));
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
