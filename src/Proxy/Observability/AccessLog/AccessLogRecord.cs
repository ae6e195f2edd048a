using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;

namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>The facts of one finished request that an access log line reports; a null field prints as Envoy's <c>-</c>.</summary>
internal sealed class AccessLogRecord
{
    public required DateTimeOffset StartTime { get; init; }

    public required string Method { get; init; }

    /// <summary>The path as the client sent it (Envoy: x-envoy-original-path, else :path), before any rewrite.</summary>
    public required string Path { get; init; }

    /// <summary>e.g. <c>HTTP/1.1</c>, <c>HTTP/2</c>.</summary>
    public required string Protocol { get; init; }

    /// <summary>The status sent downstream; 0 when none was.</summary>
    public required int ResponseCode { get; init; }

    /// <summary>Envoy's response flags, <c>-</c> when none.</summary>
    public string? ResponseFlags { get; init; }

    /// <summary>e.g. <c>via_upstream</c>, <c>route_not_found</c>.</summary>
    public string? ResponseCodeDetails { get; init; }

    public string? ConnectionTerminationDetails { get; init; }

    public string? UpstreamTransportFailureReason { get; init; }

    public long BytesReceived { get; init; }

    public long BytesSent { get; init; }

    public long DurationMilliseconds { get; init; }

    /// <summary>The upstream's processing time in milliseconds (Envoy's x-envoy-upstream-service-time); null when no upstream answered.</summary>
    public long? UpstreamServiceTimeMilliseconds { get; init; }

    public string? ForwardedFor { get; init; }

    public string? UserAgent { get; init; }

    public string? RequestId { get; init; }

    public string? Authority { get; init; }

    /// <summary>The upstream endpoint's address, <c>host:port</c>.</summary>
    public string? UpstreamHost { get; init; }

    public string? UpstreamCluster { get; init; }

    public string? UpstreamLocalAddress { get; init; }

    public string? DownstreamLocalAddress { get; init; }

    public string? DownstreamRemoteAddress { get; init; }

    public string? RequestedServerName { get; init; }

    public string? RouteName { get; init; }
}
