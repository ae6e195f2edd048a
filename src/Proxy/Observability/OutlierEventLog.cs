using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability;

/// <summary>Outlier detection's events: one log line per ejection and per return to service, as Envoy's outlier event log, and Envoy's counters.</summary>
internal sealed partial class OutlierEventLog(ClusterMetrics metrics, ILogger<OutlierEventLog> logger) : IOutlierEventSink
{
    public void Ejected(string cluster, string endpoint, EjectionType type, uint count, TimeSpan duration, int ejections, int ejected, int total)
    {
        metrics.Ejected(cluster, type);
        metrics.SetEjectionsActive(cluster, ejected);
        LogEjected(logger, endpoint, cluster, duration.TotalSeconds, count, TypeName(type), ejections, ejected, total);
    }

    public void Unejected(string cluster, string endpoint, TimeSpan ejectedFor) => LogUnejected(logger, endpoint, cluster, ejectedFor.TotalSeconds);

    public void EjectionRefused(string cluster, string endpoint, EjectionType type, uint count, int ejected, int total, uint maxEjectionPercent)
    {
        metrics.EjectionOverflow(cluster);
        LogEjectionRefused(logger, endpoint, cluster, count, TypeName(type), ejected, total, maxEjectionPercent);
    }

    public void EjectionsActive(string cluster, int ejected) => metrics.SetEjectionsActive(cluster, ejected);

    private static string TypeName(EjectionType type) => type switch
    {
        EjectionType.Consecutive5xx => "consecutive 5xx",
        EjectionType.ConsecutiveGatewayFailure => "consecutive gateway failures",
        _ => "consecutive local-origin failures",
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "outlier detection: ejected {Endpoint} of cluster {Cluster} for {Seconds:0.###} s after {Count} {Type} (ejection {Ejections}; {Ejected} of {Total} endpoints ejected)")]
    private static partial void LogEjected(ILogger logger, string endpoint, string cluster, double seconds, uint count, string type, int ejections, int ejected, int total);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information,
        Message = "outlier detection: {Endpoint} of cluster {Cluster} is back in service after {Seconds:0.###} s")]
    private static partial void LogUnejected(ILogger logger, string endpoint, string cluster, double seconds);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning,
        Message = "outlier detection: {Endpoint} of cluster {Cluster} had {Count} {Type} but is not ejected: {Ejected} of {Total} endpoints are already, the most max_ejection_percent {MaxPercent}% allows")]
    private static partial void LogEjectionRefused(ILogger logger, string endpoint, string cluster, uint count, string type, int ejected, int total, uint maxPercent);
}
