using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A DestinationRule's <c>loadBalancer</c> for one cluster, as Istio's cluster builder applies it: the simple policy or
/// a consistent hash (ring hash or Maglev), slow start, and the locality settings resolved for the proxy the cluster
/// is for. Istio's <c>distribute</c> is applied here to the endpoints' weights, as Istio applies it in EDS.
/// </summary>
internal static class LoadBalancerTranslator
{
    /// <summary>Envoy's default Maglev table size (a prime).</summary>
    public const ulong DefaultMaglevTableSize = 65537;

    /// <summary>Envoy's default minimum ring size.</summary>
    public const ulong DefaultMinimumRingSize = 1024;

    /// <summary>Envoy's slow start defaults, which Istio keeps when warmup leaves them out.</summary>
    private const double DefaultMinimumPercent = 10;
    private const double DefaultAggression = 1;

    /// <summary>Istio applies a subset's policy over the rule's, and port-level settings over both levels' defaults.</summary>
    public static LoadBalancerSettings? Effective(TrafficPolicy? policy, TrafficPolicy? subsetPolicy, uint port) =>
        PortLevel(subsetPolicy, port)?.LoadBalancer ?? subsetPolicy?.LoadBalancer ?? PortLevel(policy, port)?.LoadBalancer ?? policy?.LoadBalancer;

    /// <summary>Whether outlier detection applies to the cluster: Istio drops to a lower locality priority only with it.</summary>
    public static bool HasOutlierDetection(TrafficPolicy? policy, TrafficPolicy? subsetPolicy, uint port) =>
        (PortLevel(subsetPolicy, port)?.OutlierDetection ?? subsetPolicy?.OutlierDetection
            ?? PortLevel(policy, port)?.OutlierDetection ?? policy?.OutlierDetection) is not null;

    /// <summary>Sets the cluster's policy, consistent hash, slow start and locality priorities.</summary>
    public static void Apply(Cluster cluster, LoadBalancerSettings? settings, bool outlierDetection, string proxyLocality, IReadOnlyDictionary<string, string> proxyLabels)
    {
        cluster.LbPolicy = settings?.Simple switch
        {
            SimpleLB.RoundRobin => LoadBalancerPolicy.RoundRobin,
            SimpleLB.LeastRequest or SimpleLB.LeastConn => LoadBalancerPolicy.LeastRequest,
            SimpleLB.Random => LoadBalancerPolicy.Random,
            SimpleLB.Passthrough => LoadBalancerPolicy.Passthrough,
            _ => LoadBalancerPolicy.Unspecified,
        };
        if (settings?.ConsistentHash is { } hash)
        {
            cluster.ConsistentHash = ConsistentHash(hash);
        }
        else if (cluster.LbPolicy is LoadBalancerPolicy.Unspecified or LoadBalancerPolicy.RoundRobin or LoadBalancerPolicy.LeastRequest)
        {
            // Envoy's slow start exists for round robin and least request only (Istio's default is least request).
            cluster.SlowStart = SlowStart(settings);
        }

        cluster.LocalityLb = Failover(Locality(settings), outlierDetection, proxyLocality, proxyLabels);
    }

    /// <summary>
    /// Istio's <c>distribute</c>: the first rule whose <c>from</c> matches the proxy's locality sets each matched
    /// locality's share of the traffic (split over the localities a wildcard matches, by their endpoints' weights);
    /// endpoints of localities no <c>to</c> names get no traffic and are left out. Patterns are matched in the order
    /// written, each locality taken by the first that matches.
    /// </summary>
    public static void Distribute(LoadBalancerSettings? settings, string proxyLocality, ClusterLoadAssignment assignment)
    {
        if (Locality(settings) is not { Distribute.Count: > 0 } locality) return;
        LocalityDistribute? rule = null;
        foreach (var candidate in locality.Distribute)
        {
            if (LocalityMatches(proxyLocality, candidate.From)) { rule = candidate; break; }
        }
        if (rule is null) return;

        var endpoints = assignment.Endpoints;
        var share = new double[endpoints.Count];
        var takenBy = new int[endpoints.Count];
        Array.Fill(takenBy, -1);
        var patternIndex = 0;
        foreach (var (pattern, weight) in rule.To)
        {
            double total = 0;
            for (var i = 0; i < endpoints.Count; i++)
            {
                if (takenBy[i] >= 0 || !LocalityMatches(endpoints[i].Locality, pattern)) continue;
                takenBy[i] = patternIndex;
                total += Math.Max(1, endpoints[i].Weight);
            }
            for (var i = 0; i < endpoints.Count; i++)
            {
                if (takenBy[i] == patternIndex) share[i] = weight * Math.Max(1, endpoints[i].Weight) / total;
            }
            patternIndex++;
        }

        // Weights carry the locality's share per endpoint; scaled so that a small share keeps its precision.
        for (var i = endpoints.Count - 1; i >= 0; i--)
        {
            if (share[i] <= 0) endpoints.RemoveAt(i);
            else endpoints[i].Weight = (uint)Math.Max(1, Math.Round(share[i] * 1000));
        }
    }

    /// <summary>Istio's LocalityMatch: "region/zone/subzone" against a rule's pattern, where "*" or a missing part matches anything.</summary>
    public static bool LocalityMatches(string locality, string pattern)
    {
        var (region, zone, subzone) = Split(locality);
        var (ruleRegion, ruleZone, ruleSubzone) = Split(pattern);
        return (ruleRegion == "*" || ruleRegion == region)
            && (ruleZone is "*" or "" || ruleZone == zone)
            && (ruleSubzone is "*" or "" || ruleSubzone == subzone);
    }

    public static (string Region, string Zone, string Subzone) Split(string locality)
    {
        var parts = locality.Split('/', 3);
        return (parts[0], parts.Length > 1 ? parts[1] : "", parts.Length > 2 ? parts[2] : "");
    }

    private static ConsistentHash ConsistentHash(ConsistentHashLB hash)
    {
        var result = new ConsistentHash();
        if (hash.HttpHeaderName is { } header) result.HeaderName = header.ToLowerInvariant();
        else if (hash.HttpCookie is { } cookie) result.Cookie = Cookie(cookie);
        else if (hash.UseSourceIp) result.SourceIp = true;
        else if (hash.HttpQueryParameterName is { } parameter) result.QueryParameter = parameter;

        if (hash.Maglev is { } maglev)
        {
            result.Table = HashTable.Maglev;
            result.TableSize = maglev.TableSize is > 0 and var size ? size : DefaultMaglevTableSize;
        }
        else
        {
            // Istio: ringHash, the deprecated top-level minimumRingSize, or neither (a ring of Envoy's default size).
            result.Table = HashTable.RingHash;
            result.MinimumRingSize = hash.RingHash?.MinimumRingSize ?? hash.MinimumRingSize ?? 0;
            if (result.MinimumRingSize == 0) result.MinimumRingSize = DefaultMinimumRingSize;
        }
        return result;
    }

    private static HashCookie Cookie(HttpCookie cookie)
    {
        var result = new HashCookie { Name = cookie.Name, Path = cookie.Path ?? "" };
        if (cookie.Ttl is { } ttl)
        {
            // Envoy's Max-Age is whole seconds; a zero ttl makes a session cookie.
            result.Generate = true;
            result.TtlSeconds = (ulong)Math.Max(0, (long)ttl.TotalSeconds);
        }
        foreach (var attribute in cookie.Attributes) result.Attributes.Add(new Mesh.Contracts.Discovery.CookieAttribute { Name = attribute.Name, Value = attribute.Value ?? "" });
        return result;
    }

    private static SlowStart? SlowStart(LoadBalancerSettings? settings)
    {
        if (settings?.Warmup is { Duration: { } duration } warmup)
        {
            return new SlowStart
            {
                WindowMs = RetryPolicyTranslator.ToMilliseconds(duration),
                MinWeightPercent = warmup.MinimumPercent ?? DefaultMinimumPercent,
                Aggression = warmup.Aggression ?? DefaultAggression,
            };
        }
        if (settings?.WarmupDurationSecs is { } window && window > TimeSpan.Zero)
        {
            return new SlowStart { WindowMs = RetryPolicyTranslator.ToMilliseconds(window), MinWeightPercent = DefaultMinimumPercent, Aggression = DefaultAggression };
        }
        return null;
    }

    /// <summary>
    /// The rule's locality setting, or the mesh-wide default when it has none. This mesh has no MeshConfig; its default
    /// is Istio's (<c>localityLbSetting: {enabled: true}</c>). <c>enabled: false</c> turns locality balancing off.
    /// </summary>
    private static LocalityLoadBalancerSetting? Locality(LoadBalancerSettings? settings) => settings?.LocalityLbSetting switch
    {
        null => MeshDefault,
        { Enabled: false } => null,
        var own => own,
    };

    private static readonly LocalityLoadBalancerSetting MeshDefault = new() { Enabled = true };

    /// <summary>
    /// Istio's failover (applyLocalityLoadBalancer): with <c>distribute</c> there is none; without outlier detection
    /// there is none either (Envoy would never see a local endpoint fail, so Istio does not set priorities).
    /// </summary>
    private static LocalityLoadBalancing? Failover(LocalityLoadBalancerSetting? locality, bool outlierDetection, string proxyLocality, IReadOnlyDictionary<string, string> proxyLabels)
    {
        if (locality is null || locality.Distribute.Count > 0 || !outlierDetection) return null;
        var result = new LocalityLoadBalancing { ProxyLocality = proxyLocality };
        foreach (var failover in locality.Failover) result.Failover.Add(new LocalityFailoverRegion { From = failover.From, To = failover.To });
        foreach (var entry in locality.FailoverPriority)
        {
            // Istio: "label=value" compares endpoints with the value given instead of the proxy's own.
            var separator = entry.IndexOf('=');
            var label = separator < 0 ? entry : entry[..separator];
            var value = separator >= 0 ? entry[(separator + 1)..] : ProxyLabel(label, proxyLabels, proxyLocality);
            result.FailoverPriority.Add(new FailoverPriorityLabel { Label = label, Value = value });
        }
        return result;
    }

    /// <summary>
    /// Whether a DestinationRule has, at any level, a failoverPriority entry whose value is the proxy's own (no
    /// <c>label=value</c>): the only way a proxy's labels reach its clusters.
    /// </summary>
    public static bool ReadsProxyLabels(DestinationRuleSpec rule)
    {
        if (ReadsProxyLabels(rule.TrafficPolicy)) return true;
        foreach (var subset in rule.Subsets)
        {
            if (ReadsProxyLabels(subset.TrafficPolicy)) return true;
        }
        return false;
    }

    private static bool ReadsProxyLabels(TrafficPolicy? policy)
    {
        if (policy is null) return false;
        if (ReadsProxyLabels(policy.LoadBalancer)) return true;
        foreach (var portPolicy in policy.PortLevelSettings)
        {
            if (ReadsProxyLabels(portPolicy.LoadBalancer)) return true;
        }
        return false;
    }

    private static bool ReadsProxyLabels(LoadBalancerSettings? settings)
    {
        foreach (var entry in settings?.LocalityLbSetting?.FailoverPriority ?? [])
        {
            if (!entry.Contains('=')) return true;
        }
        return false;
    }

    /// <summary>The proxy's value of a failoverPriority label; Istio's topology labels come from its locality.</summary>
    private static string ProxyLabel(string label, IReadOnlyDictionary<string, string> proxyLabels, string proxyLocality)
    {
        if (proxyLabels.TryGetValue(label, out var value)) return value;
        var (region, zone, subzone) = Split(proxyLocality);
        return label switch
        {
            TopologyRegion => region,
            TopologyZone => zone,
            TopologySubzone => subzone,
            _ => "",
        };
    }

    public const string TopologyRegion = "topology.kubernetes.io/region";
    public const string TopologyZone = "topology.kubernetes.io/zone";
    public const string TopologySubzone = "topology.istio.io/subzone";

    private static PortTrafficPolicy? PortLevel(TrafficPolicy? policy, uint port)
    {
        if (policy is null) return null;
        foreach (var portPolicy in policy.PortLevelSettings)
        {
            if (portPolicy.Port?.Number == port) return portPolicy;
        }
        return null;
    }
}
