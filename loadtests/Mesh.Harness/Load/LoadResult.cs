using HdrHistogram;

namespace Mesh.Harness.Load;

/// <summary>
/// What a load run measured: the answered requests' latencies in microseconds (from the intended start on a fixed
/// schedule), the errors, and the rate asked and achieved.
/// </summary>
public sealed class LoadResult(LongHistogram latencyMicros, long errors, TimeSpan elapsed, double askedRate)
{
    /// <summary>Every answered request's latency in microseconds, errors excluded.</summary>
    public LongHistogram LatencyMicros { get; } = latencyMicros;

    public long Requests => LatencyMicros.TotalCount;

    /// <summary>Requests that failed: a connection error, a timeout, or an answer that is not a success.</summary>
    public long Errors { get; } = errors;

    /// <summary>From the first intended start to the last answer.</summary>
    public TimeSpan Elapsed { get; } = elapsed;

    /// <summary>The rate asked for; 0 for a closed loop.</summary>
    public double AskedRate { get; } = askedRate;

    public double AchievedRate => Elapsed > TimeSpan.Zero ? (Requests + Errors) / Elapsed.TotalSeconds : 0;

    public double PercentileMs(double percentile) =>
        Requests == 0 ? double.NaN : LatencyMicros.GetValueAtPercentile(percentile) / 1000.0;
}
