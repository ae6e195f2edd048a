using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Log lines of the informers (event ids 400–405).</summary>
internal static partial class InformerLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Informer {Name} synced: {Objects} objects at resourceVersion {ResourceVersion}")]
    public static partial void Synced(ILogger logger, string name, int objects, string resourceVersion);

    /// <summary>Logged when an informer starts failing, and again only when the reason changes: not once per retry.</summary>
    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Informer {Name} failed: {Reason}; retrying in {DelayMs} ms, with backoff while it keeps failing")]
    public static partial void Failing(ILogger logger, string name, string reason, long delayMs);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Informer {Name} recovered after {Failures} failed attempts")]
    public static partial void Recovered(ILogger logger, string name, int failures);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Informer {Name} relisted (resourceVersion {ResourceVersion} expired): {Added} added, {Modified} modified, {Deleted} deleted")]
    public static partial void Relisted(ILogger logger, string name, string resourceVersion, int added, int modified, int deleted);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "Informer {Name}: a change handler failed")]
    public static partial void HandlerFailed(ILogger logger, string name, Exception exception);
}
