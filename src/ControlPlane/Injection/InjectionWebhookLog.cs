using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Injection;

/// <summary>The injection webhook's log lines (event ids 450–459).</summary>
internal static partial class InjectionWebhookLog
{
    [LoggerMessage(EventId = 450, Level = LogLevel.Information, Message = "Sidecar injected into pod {Pod} ({Warnings} warnings)")]
    public static partial void Injected(ILogger logger, string pod, int warnings);

    [LoggerMessage(EventId = 451, Level = LogLevel.Information, Message = "Sidecar not injected into pod {Pod}: {Reason}")]
    public static partial void Skipped(ILogger logger, string pod, string reason);

    [LoggerMessage(EventId = 452, Level = LogLevel.Warning, Message = "Sidecar injection refused for pod {Pod}: {Reason}")]
    public static partial void Refused(ILogger logger, string pod, string reason);

    [LoggerMessage(EventId = 453, Level = LogLevel.Warning, Message = "Injection webhook request rejected with HTTP {Status}: {Reason}")]
    public static partial void BadRequest(ILogger logger, int status, string reason);

    [LoggerMessage(EventId = 454, Level = LogLevel.Information, Message = "Sidecar injection warning for pod {Pod}: {Warning}")]
    public static partial void Warning(ILogger logger, string pod, string warning);
}
