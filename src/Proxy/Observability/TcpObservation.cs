using System.Net;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability;

/// <summary>
/// What one opaque TCP connection was, for its metrics and access log line: filled in by the TCP proxy as the
/// connection goes (one object per connection, nothing per chunk).
/// </summary>
internal sealed class TcpObservation
{
    public required ProxySnapshot Snapshot { get; init; }

    public required string ListenerName { get; init; }

    /// <summary>Inbound: Istio's reporter "destination"; else "source".</summary>
    public required bool IsInbound { get; init; }

    public required long StartTimestamp { get; init; }

    /// <summary>Whether the connection's access log line is written (its listener's Telemetry, else --access-log).</summary>
    public bool AccessLog { get; init; }

    /// <summary>What its listener's Telemetry says (access log filter, metrics); null: the proxy's flags, everything recorded.</summary>
    public ListenerTelemetryModel? Telemetry { get; init; }

    /// <summary>Wall-clock start, read only when the access log is on.</summary>
    public DateTimeOffset StartTime { get; init; }

    public IPEndPoint? Remote { get; init; }

    /// <summary>Where iptables redirected the connection from (SO_ORIGINAL_DST); null for a connection made to the listener itself.</summary>
    public IPEndPoint? OriginalDestination { get; init; }

    /// <summary>Where the client meant to go: the original destination of a captured connection, else the listener's socket.</summary>
    public IPEndPoint? Local { get; init; }

    /// <summary>The SNI of the TLS handshake this proxy terminated; null without one.</summary>
    public string? ServerName { get; init; }

    /// <summary>The verified peer identity (<c>spiffe://...</c>) on an mTLS connection; null on plaintext.</summary>
    public string? PeerSpiffeId { get; init; }

    public string? ClusterName { get; set; }

    public ClusterModel? Cluster { get; set; }

    /// <summary>The endpoint connected to (or tried); for passthrough clusters, the original destination.</summary>
    public EndpointModel? Endpoint { get; set; }

    public ResponseFlags Flags { get; set; }

    /// <summary>Envoy's %CONNECTION_TERMINATION_DETAILS%: the RBAC denial, e.g. <c>rbac_access_denied_matched_policy[none]</c>.</summary>
    public string? TerminationDetails { get; set; }

    /// <summary>Envoy's %UPSTREAM_TRANSPORT_FAILURE_REASON%: why the connect or TLS handshake failed.</summary>
    public string? UpstreamFailure { get; set; }

    public string? UpstreamLocalAddress { get; set; }

    public long Received { get; set; }

    public long Sent { get; set; }

    /// <summary>Where the connection's byte counts go; set once the connection is counted as opened.</summary>
    public TcpEdge? Edge { get; set; }
}
