using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>Log lines of the discovery server, with stable event ids.</summary>
internal static partial class DiscoveryLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Proxy {ProxyId} connected from {Peer} as {Identity} ({Credential}, connection {ConnectionId})")]
    public static partial void ProxyConnected(ILogger logger, string proxyId, string peer, string identity, string credential, long connectionId);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Proxy {ProxyId} disconnected (connection {ConnectionId})")]
    public static partial void ProxyDisconnected(ILogger logger, string proxyId, long connectionId);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "Sent {Type} version {Version} to {ProxyId} ({Count} resources, nonce {Nonce})")]
    public static partial void Sent(ILogger logger, string type, string version, string proxyId, int count, string nonce);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Proxy {ProxyId} ACKed {Type} version {Version}")]
    public static partial void Ack(ILogger logger, string proxyId, string type, string version);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Proxy {ProxyId} NACKed {Type} version {Version} (keeps {VersionKept}): {Reason}")]
    public static partial void Nack(ILogger logger, string proxyId, string type, string version, string versionKept, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Proxy {ProxyId} answered stale nonce {Nonce} for {Type}; ignored")]
    public static partial void StaleNonce(ILogger logger, string proxyId, string nonce, string type);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Proxy {ProxyId} asked for unknown type {TypeUrl}; ignored")]
    public static partial void UnknownType(ILogger logger, string proxyId, string typeUrl);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information, Message = "Push v{Version} to {Proxies} proxies: {Request}, {Changes} source changes merged")]
    public static partial void Push(ILogger logger, long version, int proxies, int changes, string request);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "Building mesh snapshot v{Version} failed; proxies keep their current config")]
    public static partial void SnapshotFailed(ILogger logger, long version, Exception exception);

    [LoggerMessage(EventId = 209, Level = LogLevel.Error, Message = "Generating config for proxy {ProxyId} failed; it keeps its current config")]
    public static partial void GenerateFailed(ILogger logger, string proxyId, Exception exception);

    [LoggerMessage(EventId = 211, Level = LogLevel.Debug, Message = "Push to {ProxyId} skipped: it depends on none of the {Count} changed configs")]
    public static partial void PushSkipped(ILogger logger, string proxyId, int count);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Refused discovery stream from {Peer} claiming {ProxyId}, authenticated as {Identity}: {Status}: {Reason}")]
    public static partial void Refused(ILogger logger, string peer, string proxyId, string identity, string status, string reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Stream of proxy {ProxyId} ended with an error")]
    public static partial void StreamFailed(ILogger logger, string proxyId, Exception exception);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void DelegationProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 214, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void TracingProviderProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 215, Level = LogLevel.Warning, Message = "{Problem}")]
    public static partial void ProxyConfigWithoutEffect(ILogger logger, string problem);
}
