using Mesh.Proxy.Observability.Metrics;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Forwarding.OutlierDetection;

/// <summary>One line per ejection and per return to service, as Envoy's outlier event log has them.</summary>
internal static partial class OutlierLog
{
    public static string TypeName(EjectionType type) => type switch
    {
        EjectionType.Consecutive5xx => "consecutive 5xx",
        EjectionType.ConsecutiveGatewayFailure => "consecutive gateway failures",
        _ => "consecutive local-origin failures",
    };

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "outlier detection: ejected {Endpoint} of cluster {Cluster} for {Seconds:0.###} s after {Count} {Type} (ejection {Ejections}; {Ejected} of {Total} endpoints ejected)")]
    public static partial void Ejected(ILogger logger, string endpoint, string cluster, double seconds, uint count, string type, int ejections, int ejected, int total);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information,
        Message = "outlier detection: {Endpoint} of cluster {Cluster} is back in service after {Seconds:0.###} s")]
    public static partial void Unejected(ILogger logger, string endpoint, string cluster, double seconds);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning,
        Message = "outlier detection: {Endpoint} of cluster {Cluster} had {Count} {Type} but is not ejected: {Ejected} of {Total} endpoints are already, the most max_ejection_percent {MaxPercent}% allows")]
    public static partial void EjectionOverflow(ILogger logger, string endpoint, string cluster, uint count, string type, int ejected, int total, uint maxPercent);
}
