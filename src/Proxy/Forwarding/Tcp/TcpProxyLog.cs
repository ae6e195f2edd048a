using Mesh.Proxy.Observability;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Forwarding.Tcp;

/// <summary>
/// The TCP proxy's log lines: one per refused or failed connection, without a stack, each event at most
/// <see cref="ForwardingLog.LinesPerInterval"/> times per <see cref="ForwardingLog.Interval"/> (a flood of refused
/// connections costs a compare-and-swap each). The access log, when on, holds every connection's facts.
/// </summary>
internal sealed partial class TcpProxyLog
{
    private readonly ILogger _logger;
    private readonly RateLimitedLog _denied;
    private readonly RateLimitedLog _refused;
    private readonly RateLimitedLog _connectFailed;
    private readonly RateLimitedLog _unexpected;

    public TcpProxyLog(ILogger<TcpProxyLog> logger, TimeProvider time)
    {
        _logger = logger;
        _denied = new RateLimitedLog(new EventId(6140, nameof(Denied)), ForwardingLog.LinesPerInterval, ForwardingLog.Interval, time);
        _refused = new RateLimitedLog(new EventId(6141, nameof(Refused)), ForwardingLog.LinesPerInterval, ForwardingLog.Interval, time);
        _connectFailed = new RateLimitedLog(new EventId(6142, nameof(ConnectFailed)), ForwardingLog.LinesPerInterval, ForwardingLog.Interval, time);
        _unexpected = new RateLimitedLog(new EventId(6143, nameof(Unexpected)), ForwardingLog.LinesPerInterval, ForwardingLog.Interval, time);
    }

    /// <summary>Authorization denied the connection (Envoy's network RBAC filter): closed before any upstream.</summary>
    public void Denied(string listener, string remote, string details)
    {
        if (_denied.TryEnter(_logger, LogLevel.Information))
        {
            LogDenied(_logger, remote, listener, details);
        }
    }

    /// <summary>No upstream to try: BlackHoleCluster, an unknown cluster, no endpoint, or a circuit breaker full.</summary>
    public void Refused(string listener, string remote, string cluster, string reason)
    {
        if (_refused.TryEnter(_logger, LogLevel.Information))
        {
            LogRefused(_logger, remote, listener, cluster, reason);
        }
    }

    public void ConnectFailed(string listener, string remote, string cluster, string endpoint, string reason)
    {
        if (_connectFailed.TryEnter(_logger, LogLevel.Warning))
        {
            LogConnectFailed(_logger, remote, listener, endpoint, cluster, reason);
        }
    }

    public void Unexpected(string listener, string remote, Exception exception)
    {
        if (_unexpected.TryEnter(_logger, LogLevel.Error))
        {
            LogUnexpected(_logger, remote, listener, exception);
        }
    }

    [LoggerMessage(EventId = 6140, Level = LogLevel.Information, Message = "TCP connection from {Remote} on listener {Listener} denied by authorization: {Details}")]
    private static partial void LogDenied(ILogger logger, string remote, string listener, string details);

    [LoggerMessage(EventId = 6141, Level = LogLevel.Information, Message = "TCP connection from {Remote} on listener {Listener} closed: cluster {Cluster}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string listener, string cluster, string reason);

    [LoggerMessage(EventId = 6142, Level = LogLevel.Warning, Message = "TCP connection from {Remote} on listener {Listener}: upstream {Endpoint} of cluster {Cluster} could not be reached: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string remote, string listener, string endpoint, string cluster, string reason);

    [LoggerMessage(EventId = 6143, Level = LogLevel.Error, Message = "TCP connection from {Remote} on listener {Listener} failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string remote, string listener, Exception exception);
}
