namespace Mesh.Proxy.Model;

/// <summary>
/// A cluster's compiled load-balancing state beyond its policy, built once per snapshot: the consistent-hash tables,
/// slow start, the locality priority levels, and whether endpoint weights differ.
/// </summary>
internal sealed class LoadBalancerModel
{
    /// <summary>Set when the cluster balances by a hash of the request.</summary>
    public ConsistentHashModel? Hash { get; init; }

    public SlowStartModel? SlowStart { get; init; }

    /// <summary>The endpoints of each locality priority level, nearest first; null when every endpoint is at level 0.</summary>
    public EndpointModel[][]? Levels { get; init; }

    /// <summary>True when the endpoints' weights are not all equal, so the simple policies pick by weight.</summary>
    public bool UnequalWeights { get; init; }
}

/// <summary>Istio consistentHash: which request attribute is hashed, and one table per locality priority level.</summary>
internal sealed class ConsistentHashModel(RequestHashKey key, ConsistentHashTable[] tables)
{
    public RequestHashKey Key { get; } = key;

    /// <summary>Indexed by priority level (one table when there are no levels).</summary>
    public ConsistentHashTable[] Tables { get; } = tables;
}

/// <summary>
/// Envoy's slow start: an endpoint seen less than <see cref="Window"/> ago has its weight scaled by
/// max(<see cref="MinimumFraction"/>, (max(seconds since seen, 1) / window seconds) ^ (1 / aggression)).
/// </summary>
internal sealed class SlowStartModel(TimeSpan window, double minimumFraction, double aggression, TimeProvider time, long latestJoin)
{
    public TimeSpan Window { get; } = window;

    public double MinimumFraction { get; } = minimumFraction;

    public double Aggression { get; } = aggression;

    public TimeProvider Time { get; } = time;

    /// <summary>When the most recently seen endpoint joined: once it is past the window, nobody ramps and picking costs nothing extra.</summary>
    public long LatestJoin { get; } = latestJoin;

    /// <summary>True while some endpoint is still ramping up; <paramref name="now"/> is the timestamp to scale weights with.</summary>
    public bool IsRamping(out long now)
    {
        now = Time.GetTimestamp();
        return Time.GetElapsedTime(LatestJoin, now) < Window;
    }

    /// <summary>The factor an endpoint's weight is scaled by at <paramref name="now"/>.</summary>
    public double Factor(EndpointState state, long now)
    {
        var age = Time.GetElapsedTime(state.FirstSeen, now);
        if (age >= Window)
        {
            return 1;
        }

        var timeFactor = Math.Max(age.TotalSeconds, 1) / Window.TotalSeconds;
        return Math.Min(1, Math.Max(MinimumFraction, Math.Pow(timeFactor, 1 / Aggression)));
    }
}
