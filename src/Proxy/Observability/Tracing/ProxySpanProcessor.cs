using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The SDK's batch processor (a bounded queue and a background export thread) for one proxy's spans, with two checks
/// in front of it: only the spans of this proxy's own <see cref="ActivitySource"/> are taken (every provider in the
/// process hears every source of that name), and a span that would not fit in the queue is dropped here, counted in
/// <c>mesh_tracing_spans_dropped_total</c> with one warning, since the SDK counts its own drops internally only.
/// Ending a span never blocks: a full queue drops.
/// </summary>
internal sealed class ProxySpanProcessor : BatchActivityExportProcessor
{
    private readonly ActivitySource _source;
    private readonly int _capacity;
    private readonly Action _onDropped;
    private readonly ILogger _logger;

    // Spans handed to the SDK's queue and not yet taken off it by an export: never more than its capacity, so the SDK never drops.
    private long _queued;
    private int _warnedQueueFull;

    public ProxySpanProcessor(ProxySpanExporter exporter, ActivitySource source, BatchExportActivityProcessorOptions options, Action onDropped, ILogger logger)
        : base(exporter, options.MaxQueueSize, options.ScheduledDelayMilliseconds, options.ExporterTimeoutMilliseconds, options.MaxExportBatchSize)
    {
        _source = source;
        _capacity = options.MaxQueueSize;
        _onDropped = onDropped;
        _logger = logger;
        exporter.BatchTaken = count => Interlocked.Add(ref _queued, -count);
    }

    public override void OnEnd(Activity data)
    {
        if (!ReferenceEquals(data.Source, _source) || !data.Recorded)
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > _capacity)
        {
            Interlocked.Decrement(ref _queued);
            _onDropped();
            if (Interlocked.Exchange(ref _warnedQueueFull, 1) == 0)
            {
                SpanExporterLog.QueueFull(_logger, _capacity);
            }

            return;
        }

        base.OnEnd(data);
    }
}
