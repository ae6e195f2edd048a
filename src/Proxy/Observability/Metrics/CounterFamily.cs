namespace Mesh.Proxy.Observability.Metrics;

/// <summary>A family of counters sharing a name, help text and label names.</summary>
internal sealed class CounterFamily : MetricFamily<Counter>
{
    internal CounterFamily(string name, string help, string[] labelNames, int maxSeries, Counter overflowed)
        : base(name, help, labelNames, maxSeries, overflowed)
    {
    }

    private protected override Counter CreateSeries() => new();
}
