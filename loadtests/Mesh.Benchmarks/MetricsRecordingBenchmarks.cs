using BenchmarkDotNet.Attributes;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Benchmarks;

/// <summary>The per-request cost of metrics: Istio's four request series and our route series, for a label set already seen.</summary>
[MemoryDiagnoser]
public class MetricsRecordingBenchmarks
{
    private RequestEdge _edge = null!;
    private RouteSeries _route = null!;

    [GlobalSetup]
    public void Setup()
    {
        var registry = new CappedMetricFactory(Prometheus.Metrics.NewCustomRegistry());
        var metrics = new IstioStandardMetrics(registry, "bench");
        _edge = metrics.ResolveRequestEdge(new RequestEdgeLabels(
            IstioLabelValues.ReporterSource,
            new WorkloadPeer("frontend", "demo", null, "frontend", "v1", "frontend", "v1", "Kubernetes"),
            new WorkloadPeer("backend-v1", "demo", null, "backend", "v1", "backend", "v1", "Kubernetes"),
            "backend.demo.svc.cluster.local",
            "backend",
            "demo",
            IstioLabelValues.ProtocolHttp,
            IstioLabelValues.Unknown));
        _route = new RouteMetrics(registry).Resolve(new RouteLabels(IstioLabelValues.ReporterSource, "backend", "demo", "v1", "v1"));
        _edge.Record(200, null, null, 1, 0, 100);
        _route.RecordRequest(200, 1);
    }

    [Benchmark(Description = "istio_* request (4 series)")]
    public void RecordStandardRequest() => _edge.Record(200, null, null, 12.5, 0, 1_024);

    [Benchmark(Description = "istio_* + mesh_route_* request")]
    public void RecordStandardAndRouteRequest()
    {
        _edge.Record(200, null, null, 12.5, 0, 1_024);
        _route.RecordRequest(200, 12.5);
    }
}
