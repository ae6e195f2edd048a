using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Istio's sampling decision for a request, made before any span exists so that an unsampled request creates none:
/// the caller's decision wins (B3's with its ids or alone, else the <c>traceparent</c>'s), debug forces sampling, and
/// otherwise a configured percentage of requests is sampled (1% by default, as Istio).
/// </summary>
internal sealed class TraceSampler
{
    /// <summary>Istio's default sampling percentage.</summary>
    public const double DefaultPercent = 1.0;

    private readonly double _percent;
    private readonly Random _random;

    /// <param name="percent">0 to 100: the share of requests without a caller's decision that are sampled.</param>
    /// <param name="random">The sampling source; tests pass a seeded one.</param>
    public TraceSampler(double percent, Random random)
    {
        if (!(percent is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "The sampling percentage must be between 0 and 100.");
        }

        _percent = percent;
        _random = random;
    }

    /// <param name="parent">The context the request continues (B3 over W3C), invalid when the caller sent none.</param>
    /// <param name="b3">What the B3 headers say, which decides whenever they carry ids or nothing else names a trace.</param>
    public bool ShouldSample(in PropagationContext parent, B3Sampling b3) => ShouldSample(parent, b3, _percent);

    /// <param name="percent">The share for this request (its listener's Telemetry), in place of the configured one.</param>
    public bool ShouldSample(in PropagationContext parent, B3Sampling b3, double percent)
    {
        var caller = parent.ActivityContext;
        var sampling = b3.WithIds || !caller.IsValid() ? b3.State
            : (caller.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? B3SamplingState.Accept : B3SamplingState.Deny;
        return sampling switch
        {
            B3SamplingState.Accept or B3SamplingState.Debug => true,
            B3SamplingState.Deny => false,
            _ => _random.NextDouble() * 100 < percent,
        };
    }
}
