// Log events of the span export pipeline.
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>The span export pipeline's log messages, with stable event ids.</summary>
internal static partial class SpanExporterLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Span export queue is full ({Capacity} spans): new spans are dropped until the collector catches up")]
    public static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning,
        Message = "Could not export {Count} spans to {Endpoint} (the OpenTelemetry-Exporter-OpenTelemetryProtocol event source has the reason)")]
    public static partial void ExportFailed(ILogger logger, long count, Uri endpoint);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Exporting spans to {Endpoint} ({Export}), a Telemetry tracing provider's collector")]
    public static partial void CollectorAdded(ILogger logger, Uri endpoint, string export);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning,
        Message = "Spans for {Endpoint} are not reported: this proxy already exports to {Max} collectors, the most it keeps (name fewer tracing providers)")]
    public static partial void TooManyCollectors(ILogger logger, int max, Uri endpoint);
}
