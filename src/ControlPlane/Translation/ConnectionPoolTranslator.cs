using Mesh.Istio.Networking;
using ContractConnectionPool = Mesh.Contracts.Discovery.ConnectionPool;
using ContractHttp2Keepalive = Mesh.Contracts.Discovery.Http2Keepalive;
using ContractOutlierDetection = Mesh.Contracts.Discovery.OutlierDetection;
using ContractRetryBudget = Mesh.Contracts.Discovery.RetryBudget;
using ContractTcpKeepalive = Mesh.Contracts.Discovery.TcpKeepalive;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// DestinationRule connectionPool and outlierDetection as Istio hands them to Envoy: the circuit-breaker thresholds
/// and connection options of a cluster, and consecutive-error ejection with Istio's and Envoy's defaults.
/// </summary>
internal static class ConnectionPoolTranslator
{
    /// <summary>Envoy's defaults where Istio sets nothing.</summary>
    private const uint DefaultConsecutive5xx = 5;
    private const uint DefaultConsecutiveLocalOriginFailure = 5;
    private const uint DefaultIntervalMs = 10_000;
    private const uint DefaultBaseEjectionTimeMs = 30_000;
    private const uint DefaultMaxEjectionTimeMs = 300_000;
    private const uint DefaultMaxEjectionPercent = 10;
    private const double DefaultRetryBudgetPercent = 20;
    private const uint DefaultMinRetryConcurrency = 3;

    /// <summary>Null when no field that takes effect is set, so that the proxy pays nothing for the cluster.</summary>
    public static ContractConnectionPool? Translate(ConnectionPoolSettings? settings)
    {
        if (settings is null)
        {
            return null;
        }

        var tcp = settings.Tcp;
        var http = settings.Http;
        var pool = new ContractConnectionPool
        {
            // Istio's rule: a count of 0 (or unset) leaves Envoy's threshold at Istio's default, 2^32-1.
            MaxConnections = Count(tcp?.MaxConnections),
            MaxPendingRequests = Count(http?.Http1MaxPendingRequests),
            MaxRequests = Count(http?.Http2MaxRequests),
            MaxRetries = Count(http?.MaxRetries),
            MaxRequestsPerConnection = Count(http?.MaxRequestsPerConnection),
            MaxConcurrentStreams = Count(http?.MaxConcurrentStreams),
            MaxConnectionDurationMs = tcp?.MaxConnectionDuration is { } duration ? RetryPolicyTranslator.ToMilliseconds(duration) : 0,
        };
        if (http?.IdleTimeout is { } idle) pool.IdleTimeoutMs = RetryPolicyTranslator.ToMilliseconds(idle);
        if (tcp?.IdleTimeout is { } tcpIdle) pool.TcpIdleTimeoutMs = RetryPolicyTranslator.ToMilliseconds(tcpIdle);
        if (tcp?.TcpKeepalive is { } keepalive)
        {
            pool.TcpKeepalive = new ContractTcpKeepalive
            {
                Probes = keepalive.Probes ?? 0,
                TimeSeconds = keepalive.Time is { } time ? (uint)Math.Max(1, time.TotalSeconds) : 0,
                IntervalSeconds = keepalive.Interval is { } interval ? (uint)Math.Max(1, interval.TotalSeconds) : 0,
            };
        }

        // Envoy's connection_keepalive: without an interval no PING is sent, whatever the timeout. (Validation refuses
        // an interval under 1 ms.)
        if (http?.Http2KeepAlive is { Interval: { } pingInterval } http2KeepAlive)
        {
            pool.Http2Keepalive = new ContractHttp2Keepalive
            {
                IntervalMs = RetryPolicyTranslator.ToMilliseconds(pingInterval),
                TimeoutMs = http2KeepAlive.Timeout is { } pingTimeout ? RetryPolicyTranslator.ToMilliseconds(pingTimeout) : 0,
            };
        }

        return pool.Equals(new ContractConnectionPool()) ? null : pool;
    }

    /// <summary>Istio's retryBudget with its documented defaults (20%, at least 3); null when the rule has none.</summary>
    public static ContractRetryBudget? Translate(RetryBudget? budget) => budget is null ? null : new()
    {
        Percent = budget.Percent ?? DefaultRetryBudgetPercent,
        MinRetryConcurrency = budget.MinRetryConcurrency is > 0 and var floor ? floor : DefaultMinRetryConcurrency,
    };

    public static ContractOutlierDetection? Translate(OutlierDetection? outlier)
    {
        if (outlier is null)
        {
            return null;
        }

        var detection = new ContractOutlierDetection
        {
            Consecutive5Xx = outlier.Consecutive5xxErrors ?? DefaultConsecutive5xx,
            ConsecutiveGatewayFailure = outlier.ConsecutiveGatewayErrors ?? 0,
            SplitExternalLocalOriginErrors = outlier.SplitExternalLocalOriginErrors,
            ConsecutiveLocalOriginFailure = outlier.SplitExternalLocalOriginErrors
                ? outlier.ConsecutiveLocalOriginFailures is > 0 and var failures ? failures : DefaultConsecutiveLocalOriginFailure
                : 0,
            IntervalMs = outlier.Interval is { } interval ? Math.Max(1, RetryPolicyTranslator.ToMilliseconds(interval)) : DefaultIntervalMs,
            BaseEjectionTimeMs = outlier.BaseEjectionTime is { } baseTime ? Math.Max(1, RetryPolicyTranslator.ToMilliseconds(baseTime)) : DefaultBaseEjectionTimeMs,
            MaxEjectionPercent = outlier.MaxEjectionPercent is > 0 and var percent ? (uint)percent : DefaultMaxEjectionPercent,
            // Istio disables Envoy's panic threshold (50%) unless minHealthPercent says otherwise.
            MinHealthPercent = outlier.MinHealthPercent is > 0 and var minHealth ? (uint)minHealth : 0,
        };
        // Istio lets a base ejection time above Envoy's 300 s cap stand, raising the cap to it.
        detection.MaxEjectionTimeMs = Math.Max(DefaultMaxEjectionTimeMs, detection.BaseEjectionTimeMs);

        // The deprecated consecutiveErrors counted gateway errors only (Istio 1.5-1.8) while the newer fields are unset.
        if (outlier.ConsecutiveErrors is > 0 and var errors && outlier.Consecutive5xxErrors is null && outlier.ConsecutiveGatewayErrors is null)
        {
            detection.ConsecutiveGatewayFailure = (uint)errors;
            detection.Consecutive5Xx = 0;
        }

        return detection;
    }

    private static uint Count(int? value) => value is > 0 and var count ? (uint)count : 0;
}
