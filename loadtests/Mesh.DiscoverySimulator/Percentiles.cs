namespace Mesh.DiscoverySimulator;

/// <summary>p50, p90, p99 and max of a set of samples (nearest rank); all zero for none.</summary>
internal readonly record struct Percentiles(double P50, double P90, double P99, double Max, int Count)
{
    public static Percentiles Of(List<double> samples)
    {
        if (samples.Count == 0) return default;
        samples.Sort();
        return new Percentiles(Rank(samples, 0.50), Rank(samples, 0.90), Rank(samples, 0.99), samples[^1], samples.Count);
    }

    private static double Rank(List<double> sorted, double quantile) => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}
