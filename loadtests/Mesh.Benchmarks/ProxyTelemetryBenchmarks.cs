using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Mesh.Benchmarks;

/// <summary>
/// What the proxy's telemetry costs a request: recording the metrics of a request already seen; the tracer's work on
/// an unsampled and on a sampled request (extract, decide, one attempt's headers, and for the sampled one two spans);
/// and handing a finished span to an exporter whose collector hangs (the queue is full, so the span is dropped: the
/// worst case).
/// </summary>
[MemoryDiagnoser]
public class ProxyTelemetryBenchmarks
{
    private const string TraceId = "463ac35c9f6413ad48485a3953bb6124";

    private RequestMetricsRecorder _recorder = null!;
    private ProxyRequestFeature _feature = null!;
    private RequestObservation _observation;
    private TcpListener _silentCollector = null!;
    private ProxyActivitySource _source = null!;
    private ProxySpanProcessor _stalledProcessor = null!;
    private TracerProvider _provider = null!;
    private RequestTracer _tracer = null!;
    private HttpContext _unsampled = null!;
    private HttpContext _sampled = null!;
    private EndpointModel _endpoint = null!;
    private Activity _finished = null!;

    [GlobalSetup]
    public void Setup()
    {
        // A collector that accepts connections and never answers: the first export hangs, so the queue fills and stays full.
        _silentCollector = new TcpListener(IPAddress.Loopback, 0);
        _silentCollector.Start();
        var options = new ProxyOptions(ProxyRole.Sidecar, "frontend-v1", "default", new Uri("http://127.0.0.1:1"), "127.0.0.1:1", 1, 0, "127.0.0.1",
            new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" })
        {
            TraceSamplingPercent = 0,
            Otlp = new OtlpExport(new Uri($"http://{_silentCollector.LocalEndpoint}"), OtlpExportProtocol.Grpc, "frontend.default"),
        };
        var registry = new CappedMetricFactory(Prometheus.Metrics.NewCustomRegistry());
        _recorder = new RequestMetricsRecorder(new IstioStandardMetrics(registry, "bench"), new RouteMetrics(registry), options);
        var endpoint = new Mesh.Contracts.Discovery.Endpoint { Address = "127.0.0.1", Port = 9080, WorkloadName = "backend-v1", Namespace = "default" };
        endpoint.Labels["app"] = "backend";
        _endpoint = new EndpointModel(endpoint, new EndpointState());
        _feature = new ProxyRequestFeature { Endpoint = _endpoint, Attempts = 1, ClusterName = "outbound|9080||backend.default.svc.cluster.local" };
        _observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null, accessLog: false);
        _recorder.Record(_observation, _feature, "backend:9080", 200, null, "-", 1, 0, 0, grpc: false);

        _source = new ProxyActivitySource();
        var exporter = new ProxySpanExporter(
            new OtlpExporterOptions { Endpoint = options.Otlp.Endpoint, Protocol = OtlpExportProtocol.Grpc, TimeoutMilliseconds = 3_600_000 }, () => { }, NullLogger.Instance);
        var batch = new BatchExportActivityProcessorOptions { MaxQueueSize = 4_096, MaxExportBatchSize = 4_096, ScheduledDelayMilliseconds = 1 };
        _stalledProcessor = new ProxySpanProcessor(exporter, _source.Source, batch, () => { }, NullLogger.Instance);
        _provider = Sdk.CreateTracerProviderBuilder().AddSource(ProxyActivitySource.Name).SetSampler(new AlwaysOnSampler()).AddProcessor(_stalledProcessor).Build()!;
        _tracer = new RequestTracer(options, TimeProvider.System, new Random(1), new SpanExports(_source.Source, (_, _) => { }, NullLogger.Instance));
        _unsampled = Request("0");
        _sampled = Request("1");

        // Keep ending spans until the first export has taken a full queue and hangs, and the queue is full again.
        var filling = Stopwatch.StartNew();
        while (filling.Elapsed < TimeSpan.FromSeconds(2))
        {
            Traced(_sampled);
        }

        _finished = _source.Source.StartActivity("finished")!;
        _finished.Stop();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _source.Dispose();
        _silentCollector.Stop();
    }

    [Benchmark(Description = "record a request (Istio + route metrics, label set seen)")]
    public void RecordRequest() => _recorder.Record(_observation, _feature, "backend:9080", 200, null, "-", 3.5, 100, 2_000, grpc: false);

    [Benchmark(Description = "unsampled request: extract, decide, one attempt's B3 + W3C headers (no span)")]
    public void UnsampledRequest() => Traced(_unsampled);

    [Benchmark(Description = "sampled request: the same plus a server and a client span, dropped at the full queue")]
    public void SampledRequestCollectorDown() => Traced(_sampled);

    [Benchmark(Description = "hand a finished span to the export queue, collector down (queue full: dropped)")]
    public void HandOffIntoFullQueue() => _stalledProcessor.OnEnd(_finished);

    private void Traced(HttpContext context)
    {
        _tracer.Begin(context, _feature);
        var attempt = _tracer.StartAttempt(context, _feature);
        _tracer.EndAttempt(context, _feature, attempt, _endpoint, failed: false);
        _tracer.End(context, _feature, 200, "-", null);
    }

    // After the first call the request carries the headers this proxy wrote, as the next hop in the mesh sees them.
    private static DefaultHttpContext Request(string sampled)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = "GET";
        request.Scheme = "http";
        request.Host = new HostString("backend:9080");
        request.Path = "/";
        request.Headers["x-request-id"] = "6b0c1c9e-0b5e-4d43-9f3e-3f1b6d0b7a11";
        request.Headers["x-b3-traceid"] = TraceId;
        request.Headers["x-b3-spanid"] = "a2fb4a1d1a96d312";
        request.Headers["x-b3-sampled"] = sampled;
        request.Headers.UserAgent = "bench";
        return context;
    }
}
