using BenchmarkDotNet.Attributes;
using Mesh.Proxy.Observability.Metrics;
using Prometheus;

namespace Mesh.Benchmarks;

/// <summary>The cost of one scrape of a registry holding about 1,000 series (counters and histograms together).</summary>
[MemoryDiagnoser]
public class ExpositionBenchmarks
{
    private CollectorRegistry _registry = null!;

    [Params(1_000)]
    public int Series { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new IstioStandardMetrics(new CappedMetricFactory(_registry), "bench");

        // Each edge outcome is four series (one counter, three histograms), so Series / 4 outcomes.
        for (var i = 0; i < Series / 4; i++)
        {
            var edge = metrics.ResolveRequestEdge(new RequestEdgeLabels(
                IstioLabelValues.ReporterSource,
                new WorkloadPeer($"client-{i % 25}", "demo", null, $"client-{i % 25}", "v1"),
                new WorkloadPeer($"server-{i / 25}", "demo", null, $"server-{i / 25}", "v1"),
                $"server-{i / 25}.demo.svc.cluster.local",
                $"server-{i / 25}",
                "demo",
                IstioLabelValues.ProtocolHttp,
                IstioLabelValues.Unknown));
            edge.Record(200, null, null, i, 10, 1_000);
        }
    }

    [Benchmark(Description = "exposition, ~1,000 series")]
    public Task Expose() => _registry.CollectAndExportAsTextAsync(Stream.Null, ExpositionFormat.PrometheusText);
}
