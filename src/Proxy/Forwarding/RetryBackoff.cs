namespace Mesh.Proxy.Forwarding;

/// <summary>
/// Envoy's retry back-off: full jitter over an interval starting at the base (25 ms unless Istio's retries.backoff sets
/// it) and doubling per retry, capped at 10 times the base.
/// </summary>
internal static class RetryBackoff
{
    private const int MaxIntervalFactor = 10;

    /// <summary>The pause before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public static TimeSpan Next(int retry, TimeSpan baseInterval, Random random)
    {
        var baseMilliseconds = baseInterval.TotalMilliseconds;
        var ceiling = Math.Min(MaxIntervalFactor * baseMilliseconds, baseMilliseconds * (1L << Math.Min(retry - 1, 30)));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
