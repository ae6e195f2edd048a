using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>Log lines of the captured listeners' connection pipeline (event ids 6120–6139): per connection, so at Debug only.</summary>
internal static partial class HandoffLog
{
    [LoggerMessage(EventId = 6120, Level = LogLevel.Debug, Message = "listener {Listener}: connection from {Remote} to {Destination} handed to listener {Target} ({Protocol})")]
    public static partial void HandedOff(ILogger logger, string listener, string remote, string destination, string target, string protocol);

    [LoggerMessage(EventId = 6121, Level = LogLevel.Debug, Message = "listener {Listener}: connection from {Remote} sniffed as {Protocol}")]
    public static partial void Sniffed(ILogger logger, string listener, string remote, SniffedProtocol protocol);
}
