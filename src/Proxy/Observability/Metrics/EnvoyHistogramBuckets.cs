namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Envoy's default histogram bucket bounds, which Istio's proxies use for every standard histogram: durations in
/// milliseconds and, with the same bounds, request and response sizes in bytes.
/// </summary>
internal static class EnvoyHistogramBuckets
{
    public static IReadOnlyList<double> Default => DefaultArray;

    internal static readonly double[] DefaultArray =
    [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
    ];
}
