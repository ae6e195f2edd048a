namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// What a scenario must meet: p95 and p99 latency, the highest share of failed requests and, for the fault scenario,
/// the range the injected shares of aborts and delays must fall in. The same figures as THRESHOLDS in
/// loadtests/k6/lib/config.js, which the k6 scripts use; a test checks that the two agree.
/// </summary>
internal sealed record ScenarioThresholds(double P95Ms, double P99Ms, double ErrorRate)
{
    public const string Gateway = "gateway";
    public const string Sidecar = "sidecar";
    public const string GrpcScenario = "grpc";
    public const string Retries = "retries";
    public const string Faults = "faults";
    public const string Outlier = "outlier";

    /// <summary>The share of requests whose call was aborted by the fault filter, for the fault scenario.</summary>
    public (double Min, double Max)? AbortShare { get; init; }

    /// <summary>The share of requests slower than the injected delay, for the fault scenario.</summary>
    public (double Min, double Max)? DelayShare { get; init; }

    public static IReadOnlyDictionary<string, ScenarioThresholds> ByScenario { get; } = new Dictionary<string, ScenarioThresholds>
    {
        [Gateway] = new(50, 100, 0.01),
        [Sidecar] = new(25, 50, 0.01),
        [GrpcScenario] = new(50, 100, 0.01),
        [Retries] = new(100, 250, 0.01),
        [Faults] = new(400, 600, 0.15) { AbortShare = (0.05, 0.15), DelayShare = (0.05, 0.15) },
        [Outlier] = new(50, 100, 0.01),
    };

    /// <summary>The thresholds <paramref name="result"/> missed, in k6's words ("p(99)&lt;100: 131.2"); empty when it met them all.</summary>
    public List<string> Missed(LoadResult result)
    {
        var missed = new List<string>();
        Bound(missed, "p(95)", result.Percentile(95), P95Ms);
        Bound(missed, "p(99)", result.Percentile(99), P99Ms);
        Bound(missed, "http_req_failed rate", result.ErrorRate, ErrorRate);
        return missed;
    }

    /// <summary>Adds "<paramref name="name"/>&lt;<paramref name="limit"/>: value" to <paramref name="missed"/> when the value is not under its limit.</summary>
    public static void Bound(List<string> missed, string name, double value, double limit)
    {
        if (!(value < limit))
        {
            missed.Add(FormattableString.Invariant($"{name}<{limit}: {value:0.###}"));
        }
    }

    /// <summary>Adds the miss when <paramref name="share"/> is not strictly inside <paramref name="range"/>, as k6's rate&gt;min and rate&lt;max.</summary>
    public static void Within(List<string> missed, string name, double share, (double Min, double Max) range)
    {
        if (!(share > range.Min && share < range.Max))
        {
            missed.Add(FormattableString.Invariant($"{name} in ({range.Min}, {range.Max}): {share:0.###}"));
        }
    }
}
