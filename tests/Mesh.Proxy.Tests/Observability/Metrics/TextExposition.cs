using System.Text;
using Mesh.Proxy.Observability.Metrics;
using Prometheus;

namespace Mesh.Proxy.Tests.Observability.Metrics;

/// <summary>What a scrape of a registry returns: prometheus-net's text format 0.0.4, as /stats/prometheus serves it.</summary>
internal static class TextExposition
{
    public static string Of(CappedMetricFactory metrics) => Of(metrics.Registry);

    public static string Of(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream, ExpositionFormat.PrometheusText).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A registry of its own per test: prometheus-net's static default one is shared by the whole process.</summary>
    public static CappedMetricFactory NewFactory(int maxSeriesPerFamily = CappedMetricFactory.DefaultMaxSeriesPerFamily) =>
        new(Prometheus.Metrics.NewCustomRegistry(), maxSeriesPerFamily);
}
