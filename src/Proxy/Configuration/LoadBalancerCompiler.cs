using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Compiles a cluster's load-balancing settings once per snapshot: each endpoint's locality priority level (Istio's
/// failover and failoverPriority rules), the consistent-hash tables of each level, and slow start.
/// </summary>
internal static class LoadBalancerCompiler
{
    /// <summary>Envoy's limit on a Maglev table (Istio validates the same).</summary>
    private const ulong MaximumTableSize = 5000011;

    private const string TopologyRegion = "topology.kubernetes.io/region";
    private const string TopologyZone = "topology.kubernetes.io/zone";
    private const string TopologySubzone = "topology.istio.io/subzone";

    /// <summary>
    /// Each endpoint's priority level, dense from 0 (the nearest), as Istio's applyLocalityFailover and
    /// applyFailoverPriorities assign them; null when the cluster has no locality failover.
    /// </summary>
    public static int[]? Priorities(Cluster cluster, Endpoint[] endpoints)
    {
        if (cluster.LocalityLb is not { } locality || endpoints.Length == 0)
        {
            return null;
        }

        var proxy = Split(locality.ProxyLocality);
        var labels = locality.FailoverPriority;
        var raw = new int[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var endpoint = endpoints[i];
            var byLabels = 0;
            for (var j = 0; j < labels.Count; j++)
            {
                // Istio: the first label the endpoint does not share decides, the earlier the farther.
                if (LabelOf(endpoint, labels[j].Label) != labels[j].Value)
                {
                    byLabels = labels.Count - j;
                    break;
                }
            }

            if (labels.Count > 0 && locality.Failover.Count == 0)
            {
                raw[i] = byLabels;
                continue;
            }

            raw[i] = byLabels * 5 + ByLocality(proxy, Split(endpoint.Locality), locality);
        }

        // Levels are numbered without gaps, in the order of the raw priorities.
        var distinct = new SortedSet<int>(raw);
        var rank = new Dictionary<int, int>(distinct.Count);
        foreach (var priority in distinct)
        {
            rank[priority] = rank.Count;
        }

        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = rank[raw[i]];
        }

        return raw;
    }

    /// <summary>Null when the cluster balances by its bare policy over equal weights.</summary>
    public static LoadBalancerModel? Compile(Cluster cluster, EndpointModel[] endpoints, TimeProvider time, string path)
    {
        var levels = Levels(endpoints);
        var hash = cluster.ConsistentHash is { } consistentHash ? CompileHash(consistentHash, levels ?? [endpoints], $"{path}.consistent_hash") : null;
        var slowStart = cluster.SlowStart is { WindowMs: > 0 } config ? CompileSlowStart(config, endpoints, time) : null;
        var unequalWeights = false;
        foreach (var endpoint in endpoints)
        {
            unequalWeights |= endpoint.Weight != endpoints[0].Weight;
        }

        if (levels is null && hash is null && slowStart is null && !unequalWeights)
        {
            return null;
        }

        return new LoadBalancerModel { Levels = levels, Hash = hash, SlowStart = slowStart, UnequalWeights = unequalWeights };
    }

    private static EndpointModel[][]? Levels(EndpointModel[] endpoints)
    {
        var count = 0;
        foreach (var endpoint in endpoints)
        {
            count = Math.Max(count, endpoint.Priority + 1);
        }

        if (count <= 1)
        {
            return null;
        }

        var levels = new List<EndpointModel>[count];
        for (var p = 0; p < count; p++)
        {
            levels[p] = [];
        }

        foreach (var endpoint in endpoints)
        {
            levels[endpoint.Priority].Add(endpoint);
        }

        var result = new EndpointModel[count][];
        for (var p = 0; p < count; p++)
        {
            result[p] = [.. levels[p]];
        }

        return result;
    }

    private static ConsistentHashModel CompileHash(ConsistentHash config, EndpointModel[][] levels, string path)
    {
        var tables = new ConsistentHashTable[levels.Length];
        if (config.Table == HashTable.Maglev)
        {
            var size = config.TableSize == 0 ? 65537 : config.TableSize;
            if (size >= MaximumTableSize || !IsPrime(size))
            {
                throw new ConfigRejectedException($"{path}.table_size: {size} is not a prime under {MaximumTableSize}");
            }

            for (var p = 0; p < levels.Length; p++)
            {
                tables[p] = new MaglevTable(levels[p], size);
            }
        }
        else
        {
            var minimum = config.MinimumRingSize == 0 ? 1024 : Math.Min(config.MinimumRingSize, HashRing.MaximumRingSize);
            for (var p = 0; p < levels.Length; p++)
            {
                tables[p] = new HashRing(levels[p], minimum);
            }
        }

        return new ConsistentHashModel(new RequestHashKey(config), tables);
    }

    private static SlowStartModel CompileSlowStart(SlowStart config, EndpointModel[] endpoints, TimeProvider time)
    {
        var latestJoin = long.MinValue;
        foreach (var endpoint in endpoints)
        {
            latestJoin = Math.Max(latestJoin, endpoint.State.FirstSeen);
        }

        return new SlowStartModel(
            TimeSpan.FromMilliseconds(config.WindowMs),
            Math.Clamp(config.MinWeightPercent, 0, 100) / 100,
            Math.Max(1, config.Aggression),
            time,
            latestJoin);
    }

    /// <summary>Istio's LbPriority, and failover: 0 same subzone, 1 same zone, 2 same region, 3 the failover region (or any), 4 other regions.</summary>
    private static int ByLocality((string Region, string Zone, string Subzone) proxy, (string Region, string Zone, string Subzone) endpoint, LocalityLoadBalancing locality)
    {
        if (proxy.Region == endpoint.Region)
        {
            return proxy.Zone != endpoint.Zone ? 2 : proxy.Subzone != endpoint.Subzone ? 1 : 0;
        }

        foreach (var failover in locality.Failover)
        {
            if (failover.From == proxy.Region)
            {
                return endpoint.Region == failover.To ? 3 : 4;
            }
        }

        return 3;
    }

    /// <summary>An endpoint's label; Istio's topology labels come from its locality when the endpoint does not carry them.</summary>
    private static string LabelOf(Endpoint endpoint, string label)
    {
        if (endpoint.Labels.TryGetValue(label, out var value))
        {
            return value;
        }

        var (region, zone, subzone) = Split(endpoint.Locality);
        return label switch
        {
            TopologyRegion => region,
            TopologyZone => zone,
            TopologySubzone => subzone,
            _ => "",
        };
    }

    private static (string Region, string Zone, string Subzone) Split(string locality)
    {
        var parts = locality.Split('/', 3);
        return (parts[0], parts.Length > 1 ? parts[1] : "", parts.Length > 2 ? parts[2] : "");
    }

    private static bool IsPrime(ulong value)
    {
        if (value < 2)
        {
            return false;
        }

        if (value < 4)
        {
            return true;
        }

        if (value % 2 == 0)
        {
            return false;
        }

        for (ulong factor = 3; factor * factor <= value; factor += 2)
        {
            if (value % factor == 0)
            {
                return false;
            }
        }

        return true;
    }
}
