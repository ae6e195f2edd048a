using Mesh.Proxy.Authorization;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// The data path's log lines. The access log holds every request's facts; these lines only say that something
/// happened, expected ones (a client gone, a malformed request, an upstream down) in one line without a stack,
/// unexpected ones with it, and each event at most <see cref="LinesPerInterval"/> times per <see cref="Interval"/>.
/// </summary>
internal sealed partial class ForwardingLog
{
    public const int LinesPerInterval = 10;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly RateLimitedLog _clientGone;
    private readonly RateLimitedLog _protocolError;
    private readonly RateLimitedLog _upstreamFailed;
    private readonly RateLimitedLog _unexpectedError;
    private readonly RateLimitedLog _unhandled;

    public ForwardingLog(ILogger<ForwardingLog> logger, TimeProvider time)
    {
        _logger = logger;
        _clientGone = new RateLimitedLog(new EventId(4001, nameof(ClientGone)), LinesPerInterval, Interval, time);
        _protocolError = new RateLimitedLog(new EventId(4002, nameof(ProtocolError)), LinesPerInterval, Interval, time);
        _upstreamFailed = new RateLimitedLog(new EventId(4003, nameof(UpstreamFailed)), LinesPerInterval, Interval, time);
        _unexpectedError = new RateLimitedLog(new EventId(4004, nameof(UnexpectedError)), LinesPerInterval, Interval, time);
        _unhandled = new RateLimitedLog(new EventId(4005, nameof(Unhandled)), LinesPerInterval, Interval, time);
    }

    public void ClientGone(ProxyRequestFeature feature, Exception? cause)
    {
        if (_clientGone.TryEnter(_logger, LogLevel.Information))
        {
            LogClientGone(_logger, feature.RouteName ?? "-", ForwardingFailures.Reason(cause));
        }
    }

    public void ProtocolError(ProxyRequestFeature feature, int statusCode, Exception cause)
    {
        if (_protocolError.TryEnter(_logger, LogLevel.Information))
        {
            LogProtocolError(_logger, feature.RouteName ?? "-", statusCode, ForwardingFailures.Reason(cause));
        }
    }

    public void UpstreamFailed(ProxyRequestFeature feature, string failure, Exception? cause)
    {
        if (_upstreamFailed.TryEnter(_logger, LogLevel.Warning))
        {
            LogUpstreamFailed(_logger, Endpoint(feature.Endpoint), feature.ClusterName ?? "-", failure, ForwardingFailures.Reason(cause));
        }
    }

    public void UnexpectedError(ProxyRequestFeature feature, ForwarderError error, Exception? cause)
    {
        if (_unexpectedError.TryEnter(_logger, LogLevel.Warning))
        {
            LogUnexpectedError(_logger, Endpoint(feature.Endpoint), feature.ClusterName ?? "-", error, cause);
        }
    }

    public void Unhandled(ProxyRequestFeature feature, Exception exception)
    {
        if (_unhandled.TryEnter(_logger, LogLevel.Error))
        {
            LogUnhandled(_logger, feature.RouteName ?? "-", exception);
        }
    }

    /// <summary>
    /// True when the dry-run and AUDIT results of authorization would be written: they are debug lines, as Envoy's shadow
    /// results are, so they cost nothing (not even their evaluation) unless someone asked for them.
    /// </summary>
    public bool RecordsAuthorization => _logger.IsEnabled(LogLevel.Debug);

    /// <summary>
    /// Writes what the dry-run policies alone would decide, and the AUDIT rule that matched, for a request or a
    /// connection. Call it only when <see cref="RecordsAuthorization"/> and the model has recorded rules.
    /// </summary>
    public void RecordAuthorization<TAttributes>(AuthorizationModel authorization, string listener, in TAttributes attributes)
        where TAttributes : struct, IAuthorizationAttributes
    {
        if (authorization.DryRunDeny.Length > 0 || authorization.HasDryRunAllowPolicy)
        {
            if (RequestAuthorizer.DryRunDeny(authorization, attributes) is { } shadowDenial) LogDryRunDenied(_logger, listener, shadowDenial);
            else LogDryRunAllowed(_logger, listener);
        }

        if (RequestAuthorizer.Audited(authorization, attributes) is { } audited)
        {
            LogAuditMatched(_logger, listener, audited.PolicyId);
        }
    }

    private static string Endpoint(EndpointModel? endpoint) => endpoint is null ? "-" : $"{endpoint.Config.Address}:{endpoint.Config.Port}";

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "client went away before its response was complete (route {Route}): {Reason}")]
    private static partial void LogClientGone(ILogger logger, string route, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "malformed request (route {Route}), answered {StatusCode}: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, string route, int statusCode, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "upstream {Endpoint} of cluster {Cluster}: {Failure}: {Reason}")]
    private static partial void LogUpstreamFailed(ILogger logger, string endpoint, string cluster, string failure, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "forwarding to {Endpoint} of cluster {Cluster} failed unexpectedly ({Error})")]
    private static partial void LogUnexpectedError(ILogger logger, string endpoint, string cluster, ForwarderError error, Exception? exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "dry-run authorization on listener {Listener}: shadow denied, {Details}")]
    private static partial void LogDryRunDenied(ILogger logger, string listener, string details);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "dry-run authorization on listener {Listener}: shadow allowed")]
    private static partial void LogDryRunAllowed(ILogger logger, string listener);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Debug, Message = "AUDIT authorization on listener {Listener}: matched {Policy}")]
    private static partial void LogAuditMatched(ILogger logger, string listener, string policy);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "request on route {Route} failed unexpectedly")]
    private static partial void LogUnhandled(ILogger logger, string route, Exception exception);
}
