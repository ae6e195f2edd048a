using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Identity;

/// <summary>Log lines about the proxy's certificate and about peers refused during mTLS handshakes.</summary>
internal static partial class IdentityLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "workload certificate installed: {Identity}, serial {Serial}, valid until {NotAfter:u}; renewal at {RenewAt:u}")]
    public static partial void Installed(ILogger logger, string identity, string serial, DateTimeOffset notAfter, DateTimeOffset renewAt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "workload certificate request failed (attempt {Attempt}), retrying in {DelayMs} ms: {Reason}")]
    public static partial void FetchFailed(ILogger logger, int attempt, long delayMs, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "mTLS: refused client {Remote} on {Listener}: {Reason}")]
    public static partial void ClientRefused(ILogger logger, string remote, string listener, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "mTLS: refused plaintext connection from {Remote} on {Listener}: the port is STRICT")]
    public static partial void PlaintextRefused(ILogger logger, string remote, string listener);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "gateway TLS on {Listener}: {Reason}")]
    public static partial void GatewayCredentialReloadFailed(ILogger logger, string listener, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "mTLS: refused server {Endpoint} of cluster {Cluster}: {Reason}")]
    public static partial void ServerRefused(ILogger logger, string endpoint, string cluster, string reason);
}
