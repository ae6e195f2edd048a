using Mesh.Proxy.Forwarding;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Envoy's retry back-off: full jitter over [0, base × 2^(n-1)], capped at 10 × the base; the base is 25 ms unless
/// Istio's retries.backoff sets it.
/// </summary>
public sealed class RetryBackoffTests
{
    private const int Samples = 2_000;

    [Theory]
    [InlineData(25, 1, 25)]
    [InlineData(25, 2, 50)]
    [InlineData(25, 3, 100)]
    [InlineData(25, 4, 200)]
    [InlineData(25, 5, 250)]
    [InlineData(25, 40, 250)]
    [InlineData(100, 1, 100)]
    [InlineData(100, 3, 400)]
    [InlineData(100, 5, 1000)]
    public void Next_Retry_FullJitterUpToItsCeiling(int baseMilliseconds, int retry, int ceilingMilliseconds)
    {
        var random = new Random(retry);
        var shortest = TimeSpan.MaxValue;
        var longest = TimeSpan.Zero;
        for (var i = 0; i < Samples; i++)
        {
            var pause = RetryBackoff.Next(retry, TimeSpan.FromMilliseconds(baseMilliseconds), random);
            shortest = pause < shortest ? pause : shortest;
            longest = pause > longest ? pause : longest;
        }

        // Full jitter: the whole interval is used, from (nearly) nothing to (nearly) the ceiling, and never past it.
        Assert.InRange(longest.TotalMilliseconds, ceilingMilliseconds * 0.9, ceilingMilliseconds);
        Assert.InRange(shortest.TotalMilliseconds, 0, ceilingMilliseconds * 0.1);
    }
}
