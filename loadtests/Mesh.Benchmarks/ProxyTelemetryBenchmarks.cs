using BenchmarkDotNet.Attributes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Proto.Trace.V1;
using Mesh.Proxy.Model;

namespace Mesh.Benchmarks;

/// <summary>
/// What the proxy's telemetry costs a request: recording the metrics of a request already seen, and handing a span
/// to an exporter whose collector is down (the queue is full, so the span is dropped: the worst case).
/// </summary>
[MemoryDiagnoser]
public class ProxyTelemetryBenchmarks
{
    private RequestMetricsRecorder _recorder = null!;
    private ProxyRequestFeature _feature = null!;
    private RequestObservation _observation;
    private SpanExporter _stalledExporter = null!;
    private Span _span = null!;
    private SpanContext _context;

    [GlobalSetup]
    public void Setup()
    {
        var options = new ProxyOptions(ProxyRole.Sidecar, "frontend-v1", "default", new Uri("http://127.0.0.1:1"), "127.0.0.1:1", 1, 0, "127.0.0.1",
            new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" })
        {
            Otlp = new OtlpEndpoint(new Uri("http://127.0.0.1:1"), OtlpProtocol.Grpc),
        };
        var registry = new CappedMetricFactory(Prometheus.Metrics.NewCustomRegistry());
        _recorder = new RequestMetricsRecorder(new IstioStandardMetrics(registry, "bench"), new RouteMetrics(registry), options);
        var endpoint = new Endpoint { Address = "127.0.0.1", Port = 9080, WorkloadName = "backend-v1", Namespace = "default" };
        endpoint.Labels["app"] = "backend";
        _feature = new ProxyRequestFeature { Endpoint = new EndpointModel(endpoint, new EndpointState()), Attempts = 1 };
        _observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null);
        _recorder.Record(_observation, _feature, "backend:9080", 200, null, "-", 1, 0, 0, grpc: false);

        // Never started: nothing drains the queue, as when the collector hangs. Fill it, so every enqueue drops.
        _stalledExporter = new SpanExporter(options, registry.Registry, TimeProvider.System, NullLogger<SpanExporter>.Instance);
        _context = new TracePropagator(100, new Random(1)).StartServerSpan(default);
        _span = OtlpSpans.Create(_context, "bench", Span.Types.SpanKind.Server, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, false);
        for (var i = 0; i < 10_000; i++)
        {
            _stalledExporter.Enqueue(_span);
        }
    }

    [Benchmark(Description = "record a request (Istio + route metrics, label set seen)")]
    public void RecordRequest() => _recorder.Record(_observation, _feature, "backend:9080", 200, null, "-", 3.5, 100, 2_000, grpc: false);

    [Benchmark(Description = "enqueue a span, collector down (queue full: dropped)")]
    public void EnqueueIntoFullQueue() => _stalledExporter.Enqueue(_span);

    [Benchmark(Description = "build a server span with 8 attributes and enqueue it, collector down")]
    public void BuildAndEnqueue()
    {
        var span = OtlpSpans.Create(_context, "frontend:80/*", Span.Types.SpanKind.Server, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, false);
        span.Add("component", "proxy");
        span.Add("node_id", "sidecar~frontend-v1.default");
        span.Add("guid:x-request-id", "6b0c1c9e-0b5e-4d43-9f3e-3f1b6d0b7a11");
        span.Add("http.method", "GET");
        span.Add("http.url", "http://frontend:80/");
        span.Add("http.protocol", "HTTP/1.1");
        span.Add("http.status_code", "200");
        span.Add("upstream_cluster", "outbound|80||frontend.default.svc.cluster.local");
        _stalledExporter.Enqueue(span);
    }
}
