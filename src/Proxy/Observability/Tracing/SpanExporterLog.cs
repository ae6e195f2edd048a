// Log events of the span exporter.
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>The span exporter's log messages, with stable event ids.</summary>
internal static partial class SpanExporterLog
{
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Span export queue is full ({Capacity} spans): new spans are dropped until the collector catches up")]
    public static partial void QueueFull(ILogger logger, int capacity);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Could not export {Count} spans to {Endpoint}: {Reason}")]
    public static partial void ExportFailed(ILogger logger, int count, Uri endpoint, string reason);
}
