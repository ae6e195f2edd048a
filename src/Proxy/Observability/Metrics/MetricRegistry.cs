namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Owns a proxy's metric families and writes them in Prometheus text format 0.0.4. This is the narrow seam behind
/// which the metric library could be swapped: callers see families, series handles and <see cref="WriteTo"/>.
/// </summary>
internal sealed class MetricRegistry
{
    /// <summary>Counts label sets turned away by a family's series cap, per family.</summary>
    public const string OverflowMetricName = "mesh_metrics_series_overflow_total";

    public const int DefaultMaxSeriesPerFamily = 10_000;

    private readonly Lock _gate = new();
    private readonly int _maxSeriesPerFamily;
    private readonly CounterFamily _overflow;
    private SortedList<string, object> _families = new(StringComparer.Ordinal);

    public MetricRegistry(int maxSeriesPerFamily = DefaultMaxSeriesPerFamily)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeriesPerFamily, 1);
        _maxSeriesPerFamily = maxSeriesPerFamily;

        // The overflow counter has one series per family name, which the registry itself bounds; it never overflows.
        _overflow = new CounterFamily(
            OverflowMetricName,
            "Label sets that found their metric family full and were recorded in its overflow series instead.",
            ["metric"],
            int.MaxValue,
            new Counter());
        Register(_overflow);
    }

    /// <summary>The Content-Type of <see cref="WriteTo"/>'s output.</summary>
    public static string ContentType => PrometheusText.ContentType;

    public CounterFamily CreateCounter(string name, string help, string[] labelNames, int? maxSeries = null)
    {
        var names = ValidateLabelNames(name, labelNames, isHistogram: false);
        return Register(new CounterFamily(name, help, names, maxSeries ?? _maxSeriesPerFamily, OverflowCounterFor(name)));
    }

    public GaugeFamily CreateGauge(string name, string help, string[] labelNames, int? maxSeries = null)
    {
        var names = ValidateLabelNames(name, labelNames, isHistogram: false);
        return Register(new GaugeFamily(name, help, names, maxSeries ?? _maxSeriesPerFamily, OverflowCounterFor(name)));
    }

    public HistogramFamily CreateHistogram(string name, string help, string[] labelNames, double[] upperBounds, int? maxSeries = null)
    {
        var names = ValidateLabelNames(name, labelNames, isHistogram: true);
        var bounds = ValidateBounds(name, upperBounds);
        return Register(new HistogramFamily(name, help, names, bounds, maxSeries ?? _maxSeriesPerFamily, OverflowCounterFor(name)));
    }

    /// <summary>Writes every family, ordered by name, each series ordered by label values.</summary>
    public void WriteTo(TextWriter writer)
    {
        SortedList<string, object> families;
        lock (_gate)
        {
            families = _families;
        }

        var exposition = new PrometheusExpositionWriter(writer);
        foreach (var family in families.Values)
        {
            exposition.Write(family);
        }
    }

    public string Expose()
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        WriteTo(writer);
        return writer.ToString();
    }

    private Counter OverflowCounterFor(string name) => _overflow.WithLabels(name);

    private TFamily Register<TFamily>(TFamily family)
        where TFamily : class
    {
        var name = family switch
        {
            CounterFamily counter => counter.Name,
            GaugeFamily gauge => gauge.Name,
            HistogramFamily histogram => histogram.Name,
            _ => throw new ArgumentException($"Unknown family type {family.GetType().Name}.", nameof(family)),
        };

        lock (_gate)
        {
            if (_families.ContainsKey(name))
            {
                throw new ArgumentException($"metric '{name}' is already registered.", nameof(family));
            }

            // Copy on write, so that an exposition in progress keeps iterating the list it took.
            var next = new SortedList<string, object>(_families, StringComparer.Ordinal) { { name, family } };
            _families = next;
        }

        return family;
    }

    private static string[] ValidateLabelNames(string metric, string[] labelNames, bool isHistogram)
    {
        PrometheusText.ValidateMetricName(metric);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in labelNames)
        {
            PrometheusText.ValidateLabelName(metric, label);
            if (isHistogram && label == "le")
            {
                throw new ArgumentException($"metric '{metric}': a histogram cannot have a label named 'le'.", nameof(labelNames));
            }

            if (!seen.Add(label))
            {
                throw new ArgumentException($"metric '{metric}': label '{label}' is listed twice.", nameof(labelNames));
            }
        }

        return (string[])labelNames.Clone();
    }

    private static double[] ValidateBounds(string metric, double[] upperBounds)
    {
        for (var i = 0; i < upperBounds.Length; i++)
        {
            if (!double.IsFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1]))
            {
                throw new ArgumentException(
                    $"metric '{metric}': bucket bounds must be finite and strictly increasing (+Inf is implied); bound {i} is {upperBounds[i]}.",
                    nameof(upperBounds));
            }
        }

        return (double[])upperBounds.Clone();
    }
}
