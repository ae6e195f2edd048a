using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding.LoadBalancing;

/// <summary>Picks the endpoint of a cluster that serves the next attempt (or passthrough connection), by the cluster's load-balancing policy.</summary>
internal static class EndpointPicker
{
    /// <summary>Istio's host_selection_retry_max_attempts with the previous_hosts predicate.</summary>
    public const int HostSelectionRetryMaxAttempts = 5;

    /// <summary>Null when the cluster has no endpoint.</summary>
    public static EndpointModel? Pick(ClusterModel cluster, Random random)
    {
        var endpoints = cluster.AvailableEndpoints;
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

    /// <summary>
    /// A retry's endpoint with Envoy's previous_hosts predicate: picked again, up to
    /// <see cref="HostSelectionRetryMaxAttempts"/> times, while it is one of the <paramref name="triedCount"/> endpoints
    /// in <paramref name="tried"/>; the last pick stands when every try found a used one (all hosts may have been used).
    /// </summary>
    public static EndpointModel? PickAvoiding(ClusterModel cluster, Random random, EndpointModel[] tried, int triedCount)
    {
        var endpoint = Pick(cluster, random);
        for (var repick = 0; endpoint is not null && repick < HostSelectionRetryMaxAttempts && Array.IndexOf(tried, endpoint, 0, triedCount) >= 0; repick++)
        {
            endpoint = Pick(cluster, random);
        }

        return endpoint;
    }

    // Envoy's least request: the power of two choices, the one with fewer requests in flight wins.
    private static EndpointModel LeastRequest(EndpointModel[] endpoints, Random random)
    {
        var first = endpoints[random.Next(endpoints.Length)];
        var second = endpoints[random.Next(endpoints.Length)];
        return second.State.ActiveRequests < first.State.ActiveRequests ? second : first;
    }
}
