using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A sidecar's inbound side: for each port where the mesh reaches its workload, a <c>virtualInbound_&lt;port&gt;</c>
/// listener routing everything (no retries) to <c>inbound|&lt;port&gt;||</c>, whose one endpoint is the local application,
/// after the AuthorizationPolicies that apply to the workload allow the request.
/// </summary>
internal static class SidecarInboundGenerator
{
    public static void Generate(ProxyContext proxy, MeshSnapshot snapshot, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints,
        List<Listener> listeners, List<RouteConfiguration> routes)
    {
        if (proxy.Workload is not { } workload) return;
        var jwtAuthentication = RequestAuthenticationTranslator.For(proxy, snapshot);
        var authorization = AuthorizationTranslator.For(proxy, snapshot);
        foreach (var (port, protocol) in InboundPorts(workload, snapshot))
        {
            var clusterName = ClusterNames.Inbound(port);
            var routeConfigName = $"inbound|{port}";
            listeners.Add(new Listener
            {
                Name = $"virtualInbound_{port}",
                Address = proxy.BindAddress,
                Port = port,
                Direction = TrafficDirection.Inbound,
                RouteConfigName = routeConfigName,
                TlsMode = PeerAuthenticationResolver.ModeFor(snapshot, workload.Namespace, proxy.Labels, port),
                JwtAuthentication = jwtAuthentication,
                Authorization = authorization,
            });

            var action = new RouteAction();
            action.Clusters.Add(new WeightedCluster { Name = clusterName, Weight = 100 });
            var virtualHost = new VirtualHost { Name = $"inbound|http|{port}", Domains = { "*" } };
            virtualHost.Routes.Add(new Route { Name = "default", Match = RouteMatchTranslator.CatchAll(), Route_ = action, Origin = new RouteOrigin() });
            routes.Add(new RouteConfiguration { Name = routeConfigName, VirtualHosts = { virtualHost } });

            clusters.Add(new Cluster
            {
                Name = clusterName,
                ServicePort = port,
                ConnectTimeoutMs = 10_000,
                Protocol = protocol,
            });
            var assignment = new ClusterLoadAssignment { ClusterName = clusterName };
            if (TryParseAppAddress(proxy.Node.AppAddress, out var address, out var appPort))
            {
                // The workload's identity, at the address where its application listens locally.
                var endpoint = OutboundClusterBuilder.ToEndpoint(workload, appPort);
                endpoint.Address = address;
                assignment.Endpoints.Add(endpoint);
            }
            endpoints.Add(assignment);
        }
    }

    /// <summary>
    /// Where the mesh reaches the workload: every port its WorkloadEntry (or Pod: its named container ports) declares,
    /// plus the port each service with it as an endpoint sends to; the protocol comes from the service port (HTTP/2 for gRPC ports).
    /// </summary>
    private static SortedDictionary<uint, UpstreamProtocol> InboundPorts(WorkloadModel workload, MeshSnapshot snapshot)
    {
        var ports = new SortedDictionary<uint, UpstreamProtocol>();
        foreach (var port in workload.Ports.Values) ports[port] = UpstreamProtocol.Http1;
        foreach (var service in snapshot.Services)
        {
            if (FindEndpoint(service, workload) is not { } endpoint) continue;
            foreach (var servicePort in service.Ports)
            {
                // The port the service sends to: the endpoint's own (a Kubernetes endpoint's is its slice's, where a
                // named targetPort is resolved), else the target port.
                var port = endpoint.PortFor(servicePort);
                if (servicePort.IsHttp2 || !ports.ContainsKey(port)) ports[port] = servicePort.IsHttp2 ? UpstreamProtocol.Http2 : UpstreamProtocol.Http1;
            }
        }
        return ports;
    }

    /// <summary>
    /// The service's endpoint that is this workload: the workload itself (a ServiceEntry selecting it), or an endpoint
    /// naming the same pod at the same address (a Kubernetes Service's, built from its EndpointSlices).
    /// </summary>
    private static WorkloadModel? FindEndpoint(ServiceModel service, WorkloadModel workload)
    {
        foreach (var candidate in service.Workloads)
        {
            if (ReferenceEquals(candidate, workload)) return candidate;
            if (!candidate.IsInlineEndpoint && candidate.Name == workload.Name && candidate.Namespace == workload.Namespace
                && candidate.Address == workload.Address)
            {
                return candidate;
            }
        }
        return null;
    }

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
