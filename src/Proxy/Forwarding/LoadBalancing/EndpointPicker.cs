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

    /// <summary>
    /// A retry's endpoint with Envoy's previous_hosts predicate: picked again, up to
    /// <see cref="HostSelectionRetryMaxAttempts"/> times, while it is one of the <paramref name="triedCount"/> endpoints
    /// in <paramref name="tried"/>. When every pick found a used one, an endpoint not yet tried is taken if there is
    /// one, where Envoy lets the last pick stand: the power of two choices favours an endpoint that refuses
    /// connections (it never has a request in flight), so under concurrent traffic every re-pick can land on it again.
    /// When all have been tried, the last pick stands.
    /// </summary>
    public static EndpointModel? PickAvoiding(ClusterModel cluster, Random random, EndpointModel[] tried, int triedCount)
    {
        var endpoint = Pick(cluster, random);
        for (var repick = 0; endpoint is not null && repick < HostSelectionRetryMaxAttempts && Array.IndexOf(tried, endpoint, 0, triedCount) >= 0; repick++)
        {
            endpoint = Pick(cluster, random);
        }

        return endpoint is not null && Array.IndexOf(tried, endpoint, 0, triedCount) >= 0
            ? FirstUntried(cluster.Endpoints, random, tried, triedCount) ?? endpoint
            : endpoint;
    }

    // From a random start, so that the untried endpoints share the retries.
    private static EndpointModel? FirstUntried(EndpointModel[] endpoints, Random random, EndpointModel[] tried, int triedCount)
    {
        var start = random.Next(endpoints.Length);
        for (var i = 0; i < endpoints.Length; i++)
        {
            var candidate = endpoints[(start + i) % endpoints.Length];
            if (Array.IndexOf(tried, candidate, 0, triedCount) < 0)
            {
                return candidate;
            }
        }

        return null;
    }

    // Envoy's least request: the power of two choices, the one with fewer requests in flight wins.
    private static EndpointModel LeastRequest(EndpointModel[] endpoints, Random random)
    {
        var first = endpoints[random.Next(endpoints.Length)];
        var second = endpoints[random.Next(endpoints.Length)];
        return second.State.ActiveRequests < first.State.ActiveRequests ? second : first;
    }
}
