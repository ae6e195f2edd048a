namespace Mesh.Proxy.Observability.Metrics;

/// <summary>A family of gauges sharing a name, help text and label names.</summary>
internal sealed class GaugeFamily : MetricFamily<Gauge>
{
    internal GaugeFamily(string name, string help, string[] labelNames, int maxSeries, Counter overflowed)
        : base(name, help, labelNames, maxSeries, overflowed)
    {
    }

    private protected override Gauge CreateSeries() => new();
}
