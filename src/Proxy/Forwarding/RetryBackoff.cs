namespace Mesh.Proxy.Forwarding;

/// <summary>Envoy's retry back-off: full jitter over an interval starting at 25 ms and doubling per retry, capped at 250 ms.</summary>
internal static class RetryBackoff
{
    private const int BaseMilliseconds = 25;
    private const int MaxMilliseconds = 250;

    /// <summary>The pause before retry number <paramref name="retry"/> (1 for the first retry).</summary>
    public static TimeSpan Next(int retry, Random random)
    {
        var ceiling = Math.Min(MaxMilliseconds, BaseMilliseconds << Math.Min(retry - 1, 4));
        return TimeSpan.FromMilliseconds(random.Next(ceiling + 1));
    }
}
