using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>Log lines of the listeners: start and stop, TLS passthrough, accept failures and the connection cap (once per episode, never per connection).</summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "listener {Name} listening on {EndPoint} ({Security})")]
    public static partial void Started(ILogger logger, string name, string endPoint, string security);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "listener on {EndPoint} stopped")]
    public static partial void Stopped(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "listener {Name}: TLS passthrough connection from {Remote} closed: {Reason}")]
    public static partial void PassthroughRefused(ILogger logger, string name, string remote, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "listener {Name}: TLS passthrough from {Remote} by route {Route} to {Endpoint} failed: {Reason}")]
    public static partial void PassthroughUpstreamFailed(ILogger logger, string name, string remote, string route, string endpoint, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "listener {Name} on {EndPoint} cannot accept connections ({Reason}); retrying with back-off, and /ready answers 503 until it accepts again")]
    public static partial void AcceptFailing(ILogger logger, string name, string endPoint, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "listener {Name} on {EndPoint} accepts connections again, after {Seconds:0.###} s and {Failures} failed accepts")]
    public static partial void AcceptingAgain(ILogger logger, string name, string endPoint, double seconds, int failures);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning, Message = "listener {Name} has its maximum of {Max} connections open: new connections are closed at once until some end")]
    public static partial void AtConnectionCap(ILogger logger, string name, int max);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "draining for up to {Seconds:0.###} s (terminationDrainDuration): {Listeners} listener(s) stop accepting, {Connections} connection(s) and {Requests} request(s) in flight; /ready answers 503")]
    public static partial void DrainStarted(ILogger logger, double seconds, int listeners, int connections, int requests);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "drained in {Seconds:0.###} s: {Cut} connection(s) still open at the end of the drain period cut, with {Requests} request(s) in flight; exiting")]
    public static partial void DrainEnded(ILogger logger, double seconds, int cut, int requests);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "listener {Name} is below its maximum of {Max} connections again, after closing {Refused} new ones")]
    public static partial void BelowConnectionCap(ILogger logger, string name, int max, int refused);
}
