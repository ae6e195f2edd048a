using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding.LoadBalancing;

/// <summary>
/// Picks the endpoint of a cluster that serves the next attempt (or passthrough connection): first the locality
/// priority level (Envoy's priority load), then by the consistent hash, or by the cluster's policy with weights and
/// slow start. A cluster with equal weights and none of these pays one null check over the bare policy.
/// </summary>
internal static class EndpointPicker
{
    /// <summary>Istio's host_selection_retry_max_attempts with the previous_hosts predicate.</summary>
    public const int HostSelectionRetryMaxAttempts = 5;

    /// <summary>Envoy's default overprovisioning factor: a level keeps all its traffic until under 1/1.4 (71%) of it is healthy.</summary>
    private const double OverprovisioningFactor = 1.4;

    /// <summary>Istio retryRemoteLocalities: Envoy's previous_priorities update_frequency.</summary>
    private const int PriorityUpdateFrequency = 2;

    /// <summary>Envoy's round-robin order is replaced by the golden-ratio sequence over the weights: even, interleaved, lock-free.</summary>
    private const double GoldenRatioFraction = 0.6180339887498949;

    /// <summary>Null when the cluster has no endpoint. <paramref name="hash"/>: the request's consistent hash, if it has one.</summary>
    public static EndpointModel? Pick(ClusterModel cluster, Random random, ulong? hash = null) => Pick(cluster, random, hash, 0, 0);

    /// <summary>
    /// A retry's endpoint. With <paramref name="avoidPreviousHosts"/>, Envoy's previous_hosts predicate: picked again,
    /// up to <see cref="HostSelectionRetryMaxAttempts"/> times, while it is one of the <paramref name="triedCount"/>
    /// endpoints in <paramref name="tried"/>. When every pick found a used one, an available endpoint not yet tried is
    /// taken if there is one, where Envoy lets the last pick stand: the power of two choices favours an endpoint that
    /// refuses connections (it never has a request in flight), so under concurrent traffic every re-pick can land on it
    /// again. When all have been tried, the last pick stands. With <paramref name="retryRemoteLocalities"/>, the
    /// locality levels of the attempts so far are left out, refreshed every second attempt (Envoy's
    /// previous_priorities), unless that leaves no healthy level.
    /// </summary>
    public static EndpointModel? PickAvoiding(
        ClusterModel cluster, Random random, EndpointModel[] tried, int triedCount, ulong? hash = null, bool avoidPreviousHosts = true, bool retryRemoteLocalities = false)
    {
        var excludedLevels = retryRemoteLocalities ? LevelsOf(tried, triedCount / PriorityUpdateFrequency * PriorityUpdateFrequency) : 0u;
        var endpoint = Pick(cluster, random, hash, 0, excludedLevels);
        if (!avoidPreviousHosts)
        {
            return endpoint;
        }

        for (var repick = 0; endpoint is not null && repick < HostSelectionRetryMaxAttempts && Array.IndexOf(tried, endpoint, 0, triedCount) >= 0; repick++)
        {
            endpoint = Pick(cluster, random, hash, repick + 1, excludedLevels);
        }

        return endpoint is not null && Array.IndexOf(tried, endpoint, 0, triedCount) >= 0
            ? FirstUntried(cluster.AvailableEndpoints, random, tried, triedCount) ?? endpoint
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

    /// <param name="hostAttempt">Envoy's host selection attempt: a consistent hash gives another host for each.</param>
    /// <param name="excludedLevels">Locality levels (bit per level) a retry leaves out.</param>
    private static EndpointModel? Pick(ClusterModel cluster, Random random, ulong? hash, int hostAttempt, uint excludedLevels)
    {
        var endpoints = cluster.AvailableEndpoints;
        return PickFrom(cluster, endpoints, random, hash, hostAttempt, excludedLevels);
    }

    /// <summary>
    /// The choice among <paramref name="endpoints"/>, the cluster's endpoints that may take traffic (all of them, or a
    /// subset when some are unavailable): the one input of every policy below.
    /// </summary>
    internal static EndpointModel? PickFrom(ClusterModel cluster, EndpointModel[] endpoints, Random random, ulong? hash, int hostAttempt = 0, uint excludedLevels = 0)
    {
        switch (endpoints.Length)
        {
            case 0:
                return null;
            case 1:
                return endpoints[0];
        }

        if (cluster.Balancer is not { } balancer)
        {
            return cluster.Config.LbPolicy switch
            {
                LoadBalancerPolicy.RoundRobin => endpoints[cluster.State.NextTurn() % (uint)endpoints.Length],
                LoadBalancerPolicy.Random or LoadBalancerPolicy.Passthrough => endpoints[random.Next(endpoints.Length)],
                _ => LeastRequest(endpoints, random),
            };
        }

        // Everything below works on `endpoints` (the endpoints that may take traffic) and nothing else; when it is the
        // whole cluster, each level's precompiled array (and table) serves as is.
        var allAvailable = ReferenceEquals(endpoints, cluster.Endpoints);
        var level = -1;
        if (balancer.Levels is { } levels)
        {
            level = ChooseLevel(levels, endpoints, allAvailable, random, excludedLevels);
            if (allAvailable)
            {
                endpoints = levels[level];
                level = -1;
            }
        }

        if (balancer.Hash is { } consistentHash)
        {
            if (hash is not { } key)
            {
                // No key (the header, cookie or parameter absent): Envoy picks a random host.
                return Nth(endpoints, level, random.Next(Count(endpoints, level)));
            }

            var table = consistentHash.Tables[balancer.Levels is null ? 0 : LevelOf(endpoints, level)];
            return table.Pick(key, hostAttempt, endpoints, allAvailable);
        }

        long now = 0;
        var ramping = balancer.SlowStart is { } slowStart && slowStart.IsRamping(out now);
        if (ramping || balancer.UnequalWeights)
        {
            return Weighted(cluster, endpoints, level, random, ramping ? balancer.SlowStart : null, now);
        }

        var count = Count(endpoints, level);
        return cluster.Config.LbPolicy switch
        {
            LoadBalancerPolicy.RoundRobin => Nth(endpoints, level, (int)(cluster.State.NextTurn() % (uint)count)),
            LoadBalancerPolicy.Random or LoadBalancerPolicy.Passthrough => Nth(endpoints, level, random.Next(count)),
            _ => LeastRequest(Nth(endpoints, level, random.Next(count)), Nth(endpoints, level, random.Next(count))),
        };
    }

    // Envoy's least request: the power of two choices, the one with fewer requests in flight wins.
    private static EndpointModel LeastRequest(EndpointModel[] endpoints, Random random) =>
        LeastRequest(endpoints[random.Next(endpoints.Length)], endpoints[random.Next(endpoints.Length)]);

    private static EndpointModel LeastRequest(EndpointModel first, EndpointModel second) =>
        second.State.ActiveRequests < first.State.ActiveRequests ? second : first;

    /// <summary>
    /// By weight (times the slow-start factor while ramping): round robin walks the golden-ratio sequence over the
    /// cumulative weights, random draws, least request takes the less busy of two weighted draws.
    /// </summary>
    private static EndpointModel Weighted(ClusterModel cluster, EndpointModel[] endpoints, int level, Random random, SlowStartModel? slowStart, long now)
    {
        double total = 0;
        foreach (var endpoint in endpoints)
        {
            if (level < 0 || endpoint.Priority == level)
            {
                total += WeightOf(endpoint, slowStart, now);
            }
        }

        switch (cluster.Config.LbPolicy)
        {
            case LoadBalancerPolicy.RoundRobin:
                var point = cluster.State.NextTurn() * GoldenRatioFraction;
                return At(endpoints, level, (point - Math.Floor(point)) * total, slowStart, now);
            case LoadBalancerPolicy.Random or LoadBalancerPolicy.Passthrough:
                return At(endpoints, level, random.NextDouble() * total, slowStart, now);
            default:
                // Two choices drawn by weight, the one with fewer requests in flight wins: idle, the shares are the weights'.
                return LeastRequest(At(endpoints, level, random.NextDouble() * total, slowStart, now), At(endpoints, level, random.NextDouble() * total, slowStart, now));
        }
    }

    private static double WeightOf(EndpointModel endpoint, SlowStartModel? slowStart, long now) =>
        slowStart is null ? endpoint.Weight : endpoint.Weight * slowStart.Factor(endpoint.State, now);

    /// <summary>The endpoint whose span of the cumulative weights holds <paramref name="point"/>.</summary>
    private static EndpointModel At(EndpointModel[] endpoints, int level, double point, SlowStartModel? slowStart, long now)
    {
        EndpointModel? last = null;
        foreach (var endpoint in endpoints)
        {
            if (level >= 0 && endpoint.Priority != level)
            {
                continue;
            }

            last = endpoint;
            point -= WeightOf(endpoint, slowStart, now);
            if (point < 0)
            {
                return endpoint;
            }
        }

        return last!;
    }

    /// <summary>
    /// Envoy's priority load: each level's health is 1.4 × its share of healthy endpoints (at most 1); levels take
    /// traffic in order, each as much as its health allows of what the levels before it left, normalized when the
    /// total health is under 1. A level a retry excludes counts as unhealthy, unless that leaves none healthy.
    /// </summary>
    private static int ChooseLevel(EndpointModel[][] levels, EndpointModel[] endpoints, bool allAvailable, Random random, uint excludedLevels)
    {
        if (allAvailable && excludedLevels == 0)
        {
            for (var p = 0; p < levels.Length; p++)
            {
                if (levels[p].Length > 0)
                {
                    return p;
                }
            }
        }

        Span<double> health = levels.Length <= 32 ? stackalloc double[levels.Length] : new double[levels.Length];
        for (var p = 0; p < levels.Length; p++)
        {
            health[p] = allAvailable ? levels[p].Length : 0;
        }

        if (!allAvailable)
        {
            foreach (var endpoint in endpoints)
            {
                health[endpoint.Priority]++;
            }
        }

        double total = 0;
        for (var p = 0; p < levels.Length; p++)
        {
            health[p] = levels[p].Length == 0 ? 0 : Math.Min(1, OverprovisioningFactor * health[p] / levels[p].Length);
            if (p < 32 && (excludedLevels & (1u << p)) != 0 && health[p] > 0)
            {
                health[p] = -health[p];
            }
            else
            {
                total += health[p];
            }
        }

        if (total == 0)
        {
            // Every healthy level was excluded: Envoy forgets the exclusions.
            for (var p = 0; p < levels.Length; p++)
            {
                health[p] = Math.Abs(health[p]);
                total += health[p];
            }
        }

        var normalized = Math.Min(1, total);
        var remaining = 1.0;
        var draw = random.NextDouble();
        var chosen = -1;
        for (var p = 0; p < levels.Length; p++)
        {
            if (health[p] <= 0)
            {
                continue;
            }

            chosen = p;
            var load = Math.Min(remaining, health[p] / normalized);
            remaining -= load;
            draw -= load;
            if (draw < 0)
            {
                return p;
            }
        }

        return chosen;
    }

    private static uint LevelsOf(EndpointModel[] tried, int count)
    {
        var levels = 0u;
        for (var i = 0; i < count; i++)
        {
            if (tried[i].Priority < 32)
            {
                levels |= 1u << tried[i].Priority;
            }
        }

        return levels;
    }

    /// <summary>The level of a level's endpoints (<paramref name="level"/> &lt; 0: the array is one level's own).</summary>
    private static int LevelOf(EndpointModel[] endpoints, int level) => level >= 0 ? level : endpoints[0].Priority;

    private static int Count(EndpointModel[] endpoints, int level)
    {
        if (level < 0)
        {
            return endpoints.Length;
        }

        var count = 0;
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Priority == level)
            {
                count++;
            }
        }

        return count;
    }

    private static EndpointModel Nth(EndpointModel[] endpoints, int level, int index)
    {
        if (level < 0)
        {
            return endpoints[index];
        }

        foreach (var endpoint in endpoints)
        {
            if (endpoint.Priority == level && index-- == 0)
            {
                return endpoint;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }
}
