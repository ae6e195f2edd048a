using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding.LoadBalancing;

/// <summary>Picks the endpoint of a cluster that serves the next attempt (or passthrough connection), by the cluster's load-balancing policy.</summary>
internal static class EndpointPicker
{
    /// <summary>Null when the cluster has no endpoint.</summary>
    public static EndpointModel? Pick(ClusterModel cluster, Random random)
    {
        var endpoints = cluster.Endpoints;
        switch (endpoints.Length)
        {
            case 0:
                return null;
            case 1:
                return endpoints[0];
        }

        return cluster.Config.LbPolicy switch
        {
            LoadBalancerPolicy.RoundRobin => endpoints[cluster.State.NextTurn() % (uint)endpoints.Length],
            LoadBalancerPolicy.Random => endpoints[random.Next(endpoints.Length)],
            _ => LeastRequest(endpoints, random),
        };
    }

    // Envoy's least request: the power of two choices, the one with fewer requests in flight wins.
    private static EndpointModel LeastRequest(EndpointModel[] endpoints, Random random)
    {
        var first = endpoints[random.Next(endpoints.Length)];
        var second = endpoints[random.Next(endpoints.Length)];
        return second.State.ActiveRequests < first.State.ActiveRequests ? second : first;
    }
}
