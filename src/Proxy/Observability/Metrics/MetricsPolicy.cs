namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// What a listener's Telemetry says of Istio's standard metrics: which are not recorded, and which labels each leaves
/// out (tagOverrides REMOVE). A removed label is written with an empty value, which Prometheus takes as no label at
/// all, so its series merge as Envoy's do without the tag. Compiled with the listener; null means all on, labels whole.
/// </summary>
internal sealed class MetricsPolicy(StandardMetrics disabled, IReadOnlyDictionary<StandardMetrics, int[]> removedLabels)
{
    public StandardMetrics Disabled { get; } = disabled;

    public static bool Records(MetricsPolicy? policy, StandardMetrics metric) => policy is null || (policy.Disabled & metric) == 0;

    /// <summary>The label values of <paramref name="metric"/>'s series: <paramref name="values"/>, or a copy with the removed labels empty.</summary>
    public static string[] Labels(MetricsPolicy? policy, StandardMetrics metric, string[] values)
    {
        if (policy is null || !policy._removed.TryGetValue(metric, out var indices)) return values;
        var copy = (string[])values.Clone();
        foreach (var index in indices) copy[index] = string.Empty;
        return copy;
    }

    private readonly IReadOnlyDictionary<StandardMetrics, int[]> _removed = removedLabels;
}
