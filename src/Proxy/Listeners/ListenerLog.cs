using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>Log lines of the listener manager.</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "listener {Name} listening on {EndPoint} ({Security})")]
    public static partial void Started(ILogger logger, string name, string endPoint, string security);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "listener on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, string endPoint);
}
