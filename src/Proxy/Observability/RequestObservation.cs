// What the proxy noted about a request when it arrived, kept until it is recorded.
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Observability.Tracing;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Per-request state between <see cref="ProxyTelemetry.Begin"/> and <see cref="ProxyTelemetry.Complete"/>: a struct
/// so that observing a request allocates nothing of its own.
/// </summary>
internal readonly struct RequestObservation
{
    public RequestObservation(
        ProxySnapshot snapshot, TrafficDirection direction, long startTimestamp, DateTimeOffset startTime, string? peerMetadata, string? peerPrincipal,
        bool accessLog)
    {
        AccessLog = accessLog;
        Snapshot = snapshot;
        Direction = direction;
        StartTimestamp = startTimestamp;
        StartTime = startTime;
        PeerMetadata = peerMetadata;
        PeerPrincipal = peerPrincipal;
    }

    public ProxySnapshot Snapshot { get; }

    /// <summary>Unspecified when the request arrived on a socket the snapshot no longer lists.</summary>
    public TrafficDirection Direction { get; }

    public long StartTimestamp { get; }

    /// <summary>Whether the request's access log line is written: its listener's Telemetry, else the proxy's --access-log.</summary>
    public bool AccessLog { get; }

    /// <summary>Wall-clock start, read only when access logs are on.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>Inbound only: the caller's <c>x-envoy-peer-metadata</c>, taken off the request before the app sees it.</summary>
    public string? PeerMetadata { get; }

    /// <summary>Inbound only: the caller's verified SPIFFE id when the connection was mutual TLS.</summary>
    public string? PeerPrincipal { get; }

    /// <summary>Istio's reporter: the server side (inbound sidecar) reports as destination, everything else as source.</summary>
    public bool IsInbound => Direction == TrafficDirection.Inbound;
}
