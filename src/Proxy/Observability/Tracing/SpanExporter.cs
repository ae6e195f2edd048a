// Batches finished spans and exports them over OTLP without ever blocking a request.
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Resource.V1;
using OpenTelemetry.Proto.Trace.V1;
using Prometheus;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// A bounded queue of finished spans and one background task that sends them in batches. When the queue is full (the
/// collector is slow or gone) new spans are dropped and counted (<c>mesh_tracing_spans_dropped_total</c>); the data
/// path only ever does a non-blocking enqueue.
/// </summary>
internal sealed class SpanExporter : BackgroundService
{
    private const int QueueCapacity = 4_096;
    private const int MaxBatch = 512;

    /// <summary>How long a batch may wait to fill up once its first span is queued.</summary>
    private static readonly TimeSpan BatchLinger = TimeSpan.FromMilliseconds(200);

    // Full mode Wait only concerns WriteAsync, which is never called: TryWrite on a full queue returns false at once
    // (DropWrite would return true and drop silently, leaving nothing to count).
    private readonly Channel<Span> _queue = Channel.CreateBounded<Span>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly OtlpEndpoint? _endpoint;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<SpanExporter> _logger;
    private readonly Resource _resource;
    private readonly Counter _dropped;
    private readonly Counter _failedExports;
    private long _failedBatches;
    private int _warnedQueueFull;

    public SpanExporter(ProxyOptions options, CollectorRegistry registry, TimeProvider timeProvider, ILogger<SpanExporter> logger)
    {
        _endpoint = options.Otlp;
        var metrics = Prometheus.Metrics.WithCustomRegistry(registry);
        _dropped = metrics.CreateCounter(
            "mesh_tracing_spans_dropped_total", "Finished spans dropped because the export queue was full (the OTLP collector is slow or down).");
        _failedExports = metrics.CreateCounter("mesh_tracing_export_failures_total", "OTLP export calls that failed or timed out.");
        _timeProvider = timeProvider;
        _logger = logger;
        _resource = new Resource();

        // Istio names a proxy's service "<app>.<namespace>" (the workload name when it has no app label).
        var app = options.Labels.TryGetValue("app", out var label) && label.Length > 0 ? label : options.Workload;
        _resource.Attributes.Add(OtlpSpans.Attribute("service.name", $"{app}.{options.Namespace}"));
        _resource.Attributes.Add(OtlpSpans.Attribute("service.instance.id", options.ToNode().Id));
        _resource.Attributes.Add(OtlpSpans.Attribute("telemetry.sdk.name", "mesh-proxy"));
    }

    /// <summary>False when no OTLP endpoint is configured: spans are then not even built.</summary>
    public bool Enabled => _endpoint is not null;

    public void Enqueue(Span span)
    {
        if (_queue.Writer.TryWrite(span))
        {
            return;
        }

        _dropped.Inc();
        if (Interlocked.Exchange(ref _warnedQueueFull, 1) == 0)
        {
            SpanExporterLog.QueueFull(_logger, QueueCapacity);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_endpoint is null)
        {
            return;
        }

        using var sender = new OtlpSender(_endpoint);
        var batch = new List<Span>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(BatchLinger, _timeProvider, stoppingToken);
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var span))
                {
                    batch.Add(span);
                }

                await SendAsync(sender, batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: spans still queued are dropped, as a tracer's batch processor does on a hard stop.
        }
    }

    private async Task SendAsync(OtlpSender sender, List<Span> batch, CancellationToken stoppingToken)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "mesh-proxy" } };
        scope.Spans.Add(batch);
        var resourceSpans = new ResourceSpans { Resource = _resource };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        try
        {
            await sender.SendAsync(request, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // A collector that is down loses these spans; say so once per 100 failed batches, not per batch.
            _failedExports.Inc();
            if (Interlocked.Increment(ref _failedBatches) % 100 == 1)
            {
                SpanExporterLog.ExportFailed(_logger, batch.Count, _endpoint!.Address, ex.GetBaseException().Message);
            }
        }
    }
}
