using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

internal static partial class MeshConfigFileLog
{
    [LoggerMessage(EventId = 480, Level = LogLevel.Information,
        Message = "Mesh config from {File} in effect: outboundTrafficPolicy {OutboundTrafficPolicy}, tracing providers {TracingProviders}")]
    public static partial void Applied(ILogger logger, string file, string outboundTrafficPolicy, string tracingProviders);

    [LoggerMessage(EventId = 481, Level = LogLevel.Error, Message = "Mesh config file {File} rejected: {Reason}; the last good mesh config keeps serving ({LastGood})")]
    public static partial void Rejected(ILogger logger, string file, string reason, string lastGood);

    [LoggerMessage(EventId = 482, Level = LogLevel.Warning,
        Message = "meshConfig fields with no effect in local mode: {Fields} (file {File}); only outboundTrafficPolicy.mode and the opentelemetry extensionProviders are read from --mesh-config")]
    public static partial void FieldsWithoutEffect(ILogger logger, string fields, string file);

    [LoggerMessage(EventId = 483, Level = LogLevel.Warning, Message = "Watching mesh config file {File} failed ({Reason}); reading it again")]
    public static partial void WatcherFailed(ILogger logger, string file, string reason);
}
