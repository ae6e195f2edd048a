using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>Log lines of the admission webhooks, their listener and the webhook configurations they patch (event ids 460–479).</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(EventId = 460, Level = LogLevel.Information, Message = "Admission webhooks listening on https://{Address}:{Port} (/inject, /validate), certificate for {Names}")]
    public static partial void Listening(ILogger logger, string address, int port, string names);

    [LoggerMessage(EventId = 461, Level = LogLevel.Information, Message = "Admission: {Operation} {Kind} {Namespace}/{Name} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string operation, string kind, string @namespace, string name, string reason);

    [LoggerMessage(EventId = 462, Level = LogLevel.Information, Message = "Admission: {Operation} {Kind} {Namespace}/{Name} allowed with {Count} warnings")]
    public static partial void AllowedWithWarnings(ILogger logger, string operation, string kind, string @namespace, string name, int count);

    [LoggerMessage(EventId = 463, Level = LogLevel.Warning, Message = "Admission: bad request on {Path} from {Peer}: HTTP {Status}, {Reason}")]
    public static partial void BadRequest(ILogger logger, string path, string peer, int status, string reason);

    [LoggerMessage(EventId = 464, Level = LogLevel.Information, Message = "{Kind} {Name}: CA bundle written into {Webhooks} webhooks{FailurePolicy} (resourceVersion {ResourceVersion})")]
    public static partial void Patched(ILogger logger, string kind, string name, int webhooks, string failurePolicy, string? resourceVersion);

    [LoggerMessage(EventId = 465, Level = LogLevel.Warning, Message = "{Kind} {Name} not found: the API server cannot call its webhooks over TLS until it exists (it is patched when created)")]
    public static partial void ConfigurationMissing(ILogger logger, string kind, string name);

    [LoggerMessage(EventId = 466, Level = LogLevel.Information, Message = "{Kind} {Name} belongs to revision {TheirRevision}, not ours ({OurRevision}): left alone")]
    public static partial void OtherRevision(ILogger logger, string kind, string name, string theirRevision, string ourRevision);

    [LoggerMessage(EventId = 467, Level = LogLevel.Warning, Message = "{Kind} {Name}: patching failed ({Reason}); retrying in {Delay}")]
    public static partial void PatchFailed(ILogger logger, string kind, string name, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 468, Level = LogLevel.Information, Message = "Validation answers: a dry-run of an invalid Gateway was refused ({Reason}); switching {Name} to failurePolicy Fail")]
    public static partial void ValidationReady(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 469, Level = LogLevel.Information, Message = "Validation not ready for failurePolicy Fail yet: {Reason}")]
    public static partial void ValidationNotReady(ILogger logger, string reason);
}
