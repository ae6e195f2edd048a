using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Discovery;

/// <summary>Log lines of the discovery client: one per notable event, no payloads.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "connected to the control plane as {NodeId}")]
    public static partial void Connected(ILogger logger, string nodeId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "applied {Type} v{Version} ({Count} resources)")]
    public static partial void Applied(ILogger logger, string type, string version, int count);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information,
        Message = "applied {Type} v{Version} ({Count} resources: an increment on v{BaseVersion}, {Changed} changed, {Removed} removed)")]
    public static partial void AppliedIncrement(ILogger logger, string type, string version, int count, string baseVersion, int changed, int removed);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "NACKed {Type} v{Version}: {Reason}")]
    public static partial void Rejected(ILogger logger, string type, string version, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "disconnected from the control plane: {Reason}")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "reconnecting in {DelayMs} ms")]
    public static partial void Reconnecting(ILogger logger, long delayMs);
}
