using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;
using Route = Mesh.Contracts.Discovery.Route;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Builders for discovery resources, so tests read like the config they describe.</summary>
internal static class MeshConfig
{
    private static int _nonce;

    public static DiscoveryResponse Response(string typeUrl, string version, params IMessage[] resources)
    {
        var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = version, Nonce = $"n{Interlocked.Increment(ref _nonce)}" };
        foreach (var resource in resources)
        {
            response.Resources.Add(Any.Pack(resource));
        }

        return response;
    }

    public static Cluster Cluster(string name, UpstreamProtocol protocol = UpstreamProtocol.Http1, LoadBalancerPolicy policy = LoadBalancerPolicy.RoundRobin) =>
        new() { Name = name, Protocol = protocol, LbPolicy = policy, ConnectTimeoutMs = 2000 };

    public static ClusterLoadAssignment Endpoints(string cluster, params int[] ports)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = cluster };
        foreach (var port in ports)
        {
            assignment.Endpoints.Add(new Endpoint { Address = "127.0.0.1", Port = (uint)port });
        }

        return assignment;
    }

    public static Listener Listener(string name, int port, string routeConfig) =>
        new() { Name = name, Address = "127.0.0.1", Port = (uint)port, RouteConfigName = routeConfig, Direction = TrafficDirection.Outbound };

    public static RouteConfiguration Routes(string name, params VirtualHost[] hosts)
    {
        var config = new RouteConfiguration { Name = name };
        config.VirtualHosts.Add(hosts);
        return config;
    }

    /// <summary>An outbound-style virtual host: attempts carry x-envoy-attempt-count, as Istio's outbound hosts do.</summary>
    public static VirtualHost Host(string name, string[] domains, params Route[] routes)
    {
        var host = new VirtualHost { Name = name, IncludeRequestAttemptCount = true };
        host.Domains.Add(domains);
        host.Routes.Add(routes);
        return host;
    }

    public static Route ToCluster(string cluster, RouteMatch? match = null, string name = "default") => Forward(new RouteAction(), match, name, (cluster, 100));

    public static Route Forward(RouteAction action, RouteMatch? match, string name, params (string Cluster, uint Weight)[] clusters)
    {
        foreach (var (cluster, weight) in clusters)
        {
            action.Clusters.Add(new WeightedCluster { Name = cluster, Weight = weight });
        }

        return new Route { Name = name, Match = match ?? new RouteMatch { Path = Prefix("/") }, Route_ = action };
    }

    public static StringMatch Exact(string value) => new() { Exact = value };

    public static StringMatch Prefix(string value) => new() { Prefix = value };

    public static StringMatch Regex(string value) => new() { Regex = value };
}
