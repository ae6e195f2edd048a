using System.Collections.Concurrent;
using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Creates a proxy's metric families in its prometheus-net <see cref="CollectorRegistry"/>, each behind a series cap
/// (prometheus-net has none), and owns <c>mesh_metrics_series_overflow_total</c>, which counts the label sets that
/// found their family full.
/// </summary>
internal sealed class CappedMetricFactory
{
    /// <summary>Counts label sets turned away by a family's series cap, per family.</summary>
    public const string OverflowMetricName = "mesh_metrics_series_overflow_total";

    public const int DefaultMaxSeriesPerFamily = 10_000;

    private readonly MetricFactory _factory;
    private readonly Counter _overflow;
    private readonly int _maxSeriesPerFamily;

    // One cap per family: a second family on the same name would share prometheus-net's metric but not its count.
    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

    public CappedMetricFactory(CollectorRegistry registry, int maxSeriesPerFamily = DefaultMaxSeriesPerFamily)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeriesPerFamily, 1);
        Registry = registry;
        _maxSeriesPerFamily = maxSeriesPerFamily;
        _factory = Prometheus.Metrics.WithCustomRegistry(registry);

        // Exemplars are only exposed in OpenMetrics, which we do not serve; by default every observation would look
        // for one in Activity.Current. No provider at all (rather than NoExemplars(), a provider that answers none)
        // spares each observation a delegate call.
        _factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = null };

        // One series per family name, which this factory bounds itself: the overflow counter is never capped.
        _overflow = _factory.CreateCounter(
            OverflowMetricName, "Label sets that found their metric family full and were recorded in its overflow series instead.", ["metric"]);
    }

    /// <summary>Where the families live; <c>/stats/prometheus</c> exposes it.</summary>
    public CollectorRegistry Registry { get; }

    public CappedFamily<Counter.Child> CreateCounter(string name, string help, string[] labelNames, int? maxSeries = null)
    {
        Reserve(name);
        return Capped(_factory.CreateCounter(name, help, labelNames), maxSeries);
    }

    public CappedFamily<Gauge.Child> CreateGauge(string name, string help, string[] labelNames, int? maxSeries = null)
    {
        Reserve(name);
        return Capped(_factory.CreateGauge(name, help, labelNames), maxSeries);
    }

    public CappedFamily<Histogram.Child> CreateHistogram(string name, string help, string[] labelNames, double[] upperBounds, int? maxSeries = null)
    {
        Reserve(name);
        return Capped(_factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = upperBounds }), maxSeries);
    }

    private CappedFamily<TChild> Capped<TChild>(Collector<TChild> metric, int? maxSeries)
        where TChild : ChildBase =>
        new(metric, maxSeries ?? _maxSeriesPerFamily, _overflow.WithLabels(metric.Name));

    private void Reserve(string name)
    {
        if (!_names.TryAdd(name, 0))
        {
            throw new ArgumentException($"metric '{name}' is already registered.", nameof(name));
        }
    }
}
