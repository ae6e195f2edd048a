namespace Mesh.Proxy.Observability.Metrics;

/// <summary>A family of histograms sharing a name, help text, label names and bucket upper bounds.</summary>
internal sealed class HistogramFamily : MetricFamily<Histogram>
{
    private readonly double[] _upperBounds;

    internal HistogramFamily(string name, string help, string[] labelNames, double[] upperBounds, int maxSeries, Counter overflowed)
        : base(name, help, labelNames, maxSeries, overflowed)
    {
        _upperBounds = upperBounds;
        UpperBoundLabels = Array.ConvertAll(upperBounds, PrometheusText.FormatDouble);
    }

    public IReadOnlyList<double> UpperBounds => _upperBounds;

    /// <summary>The <c>le</c> values as the exposition spells them, formatted once.</summary>
    internal string[] UpperBoundLabels { get; }

    private protected override Histogram CreateSeries() => new(_upperBounds);
}
