using System.Net;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>A compiled listener: where it binds, which route configuration its requests use and who may send them.</summary>
internal sealed class ListenerModel(Listener config, IPEndPoint endPoint)
{
    public Listener Config { get; } = config;

    public string Name => Config.Name;

    public IPEndPoint EndPoint { get; } = endPoint;

    /// <summary>"address:port": the identity of the socket, which is what a running Kestrel server is keyed by.</summary>
    public string EndPointKey { get; } = endPoint.ToString();

    public string RouteConfigName => Config.RouteConfigName;

    /// <summary>What its connections carry: HTTP, opaque TCP, or either, told by the first bytes (AUTO).</summary>
    public ListenerProtocol Protocol => Config.Protocol;

    /// <summary>A captured sidecar's 15001 or 15006: each connection is handed to the listener of its original destination.</summary>
    public bool UseOriginalDst => Config.UseOriginalDst;

    /// <summary>Opens no socket: connections reach it only by a hand-off from a <see cref="UseOriginalDst"/> listener.</summary>
    public bool HandoffOnly => Config.HandoffOnly;

    /// <summary>The compiled sni_routes of a TLS passthrough listener; null when it has none.</summary>
    public SniRouteTable? SniRoutes { get; init; }

    /// <summary>The compiled tcp_clusters of a TCP or AUTO listener; null when it has none.</summary>
    public TcpRouteModel? TcpRoute { get; init; }

    /// <summary>The listener's RequestAuthentication; null when none applies (requests then pay one null check).</summary>
    public JwtAuthenticationModel? JwtAuthentication { get; init; }

    /// <summary>The AuthorizationPolicies its requests must pass; null when none applies (the data path's only cost then).</summary>
    public AuthorizationModel? Authorization { get; init; }

    /// <summary>What Telemetry resources say of its traffic; null when none applies (the proxy's flags decide).</summary>
    public ListenerTelemetryModel? Telemetry { get; init; }
}
