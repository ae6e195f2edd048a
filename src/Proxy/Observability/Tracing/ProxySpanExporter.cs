using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The SDK's OTLP trace exporter (gRPC or http/protobuf, serialization and transport are the SDK's) with what the proxy
/// adds: every failed export counted in <c>mesh_tracing_export_failures_total</c> and logged once per 100, and each
/// batch reported to the processor as it leaves the queue.
/// </summary>
internal sealed class ProxySpanExporter(OtlpExporterOptions options, Action onFailed, ILogger logger) : OtlpTraceExporter(options)
{
    private readonly Uri _endpoint = options.Endpoint;
    private long _failedBatches;

    /// <summary>Called with the size of each batch taken off the processor's queue, before it is sent.</summary>
    public Action<long>? BatchTaken { get; set; }

    public override ExportResult Export(in Batch<Activity> activityBatch)
    {
        BatchTaken?.Invoke(activityBatch.Count);
        var result = base.Export(activityBatch);
        if (result != ExportResult.Success)
        {
            // A collector that is down loses these spans; say so once per 100 failed batches, not per batch.
            onFailed();
            if (Interlocked.Increment(ref _failedBatches) % 100 == 1)
            {
                SpanExporterLog.ExportFailed(logger, activityBatch.Count, _endpoint);
            }
        }

        return result;
    }
}
