// Istio's TCP metrics and Envoy's access log line for opaque TCP connections.
using System.Collections.Concurrent;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.AccessLog;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Records each opaque TCP connection into istio_tcp_connections_opened_total / _closed_total and the byte counters,
/// with the labels the request metrics carry minus the HTTP ones: reporter source outbound, destination inbound;
/// the connection's response flags (UF, UH, UO, NC); PassthroughCluster, BlackHoleCluster and
/// InboundPassthroughCluster named as Istio's stats plugin names them (destination_service_name is the cluster's
/// name, destination_service unknown: a TCP connection has no authority). Handles are cached per endpoint, cluster
/// or peer and flags, so a label set already seen costs a dictionary hit.
/// </summary>
internal sealed class TcpTelemetry(ProxyTelemetry telemetry, ProxyOptions options, AccessLogWriter accessLog, WorkloadIdentityStore? identity = null)
{
    /// <summary>Past this many cached edges the cache starts over (series themselves stay bounded by the registry's cap).</summary>
    private const int MaxEdges = 4_096;

    private readonly WorkloadPeer _self = WorkloadPeers.From(options.Workload, options.Namespace, options.Labels, null, null);
    private readonly ConcurrentDictionary<EdgeKey, TcpEdge> _edges = new();
    private readonly InboundDestinationCache _destination = new(options.Workload, options.Namespace, options.Labels);

    /// <summary>Whether a connection of this listener gets an access log line: its Telemetry's say, else the proxy's --access-log.</summary>
    public bool AccessLogEnabled(ListenerModel listener) => listener.Telemetry?.AccessLog ?? accessLog.Enabled;

    /// <summary>Counts the connection as opened, with the flags it has now (its upstream's outcome); its bytes go to the same series.</summary>
    public TcpEdge Open(TcpObservation observation)
    {
        var edge = Resolve(observation);
        observation.Edge = edge;
        edge.ConnectionOpened(observation.Telemetry?.Metrics);
        return edge;
    }

    /// <summary>Counts the connection as closed and writes its access log line when the log is on and its filter, if any, is true of it.</summary>
    public void Close(TcpObservation observation, TimeSpan duration)
    {
        (observation.Edge ?? Open(observation)).ConnectionClosed(observation.Telemetry?.Metrics);
        if (observation.AccessLog)
        {
            var record = Record(observation, duration);
            if (observation.Telemetry?.AccessLogFilter is not { } filter || filter.Matches(new AccessLogAttributes(record, null, observation.PeerSpiffeId is not null)))
            {
                accessLog.Write(record);
            }
        }
    }

    private TcpEdge Resolve(TcpObservation observation)
    {
        var key = observation.IsInbound
            ? new EdgeKey(_destination.For(observation.Snapshot), observation.PeerSpiffeId, SpecialName(observation.ClusterName), observation.Flags)
            : new EdgeKey((object?)UpstreamKey(observation) ?? observation.ClusterName ?? string.Empty, null, null, observation.Flags);
        if (_edges.TryGetValue(key, out var edge))
        {
            return edge;
        }

        if (_edges.Count >= MaxEdges)
        {
            _edges.Clear();
        }

        return _edges.GetOrAdd(key, telemetry.IstioMetrics.ResolveTcpEdge(Labels(observation), ResponseFlagsFormatter.Format(observation.Flags)));
    }

    // The endpoint a regular cluster's connection went to, else its cluster; a passthrough cluster's endpoint is made
    // per connection and says nothing the labels show, so its cluster (or name) is the key.
    private static object? UpstreamKey(TcpObservation observation) =>
        SpecialName(observation.ClusterName) is null ? (object?)observation.Endpoint ?? observation.Cluster : observation.Cluster;

    private RequestEdgeLabels Labels(TcpObservation observation)
    {
        var special = SpecialName(observation.ClusterName);
        if (observation.IsInbound)
        {
            var destination = _destination.For(observation.Snapshot);
            var mutualTls = observation.PeerSpiffeId is not null;
            var source = mutualTls ? new WorkloadPeer(null, null, observation.PeerSpiffeId) : WorkloadPeer.Unknown;
            return new RequestEdgeLabels(
                IstioLabelValues.ReporterDestination, source, mutualTls ? destination.MutualTls : destination.Plaintext,
                special is null ? destination.Service : null, special ?? destination.ServiceName, special is null ? destination.ServiceNamespace : null,
                IstioLabelValues.ProtocolTcp, mutualTls ? IstioLabelValues.MutualTls : IstioLabelValues.NoSecurity);
        }

        var peer = WorkloadPeer.Unknown;
        string? service = null, serviceName = special, serviceNamespace = null;
        var cluster = observation.Cluster?.Config;
        var clusterMutualTls = cluster?.Tls?.Mode == UpstreamTlsMode.IstioMutual;
        if (special is null && cluster is { ServiceHost.Length: > 0 })
        {
            service = cluster.ServiceHost;
            serviceNamespace = cluster.ServiceNamespace;
            serviceName = ServiceNames.ShortName(service, serviceNamespace);
        }

        if (special is null && observation.Endpoint?.Config is { } endpoint)
        {
            var principal = clusterMutualTls ? WorkloadPeers.SpiffeId(endpoint.Namespace, endpoint.ServiceAccount) : null;
            peer = WorkloadPeers.From(endpoint.WorkloadName, endpoint.Namespace, endpoint.Labels, principal, null);
        }

        var self = clusterMutualTls && identity?.Current is { } certificate ? _self with { Principal = certificate.Identity.Uri } : _self;
        // As for requests, Istio's client side does not know the connection's security policy: "unknown".
        return new RequestEdgeLabels(
            IstioLabelValues.ReporterSource, self, peer, service, serviceName, serviceNamespace, IstioLabelValues.ProtocolTcp, IstioLabelValues.Unknown);
    }

    /// <summary>The cluster's name when it is one of the clusters Istio's stats plugin reports by name; null otherwise.</summary>
    private static string? SpecialName(string? clusterName) => clusterName is FallthroughNames.PassthroughCluster or FallthroughNames.BlackHoleCluster
        or FallthroughNames.InboundPassthroughCluster ? clusterName : null;


    // Envoy's default format on a TCP connection: "- - -" for the request line, 0 for the response code.
    private static AccessLogRecord Record(TcpObservation observation, TimeSpan duration)
    {
        var endpoint = observation.Endpoint?.Config;
        return new AccessLogRecord
        {
            StartTime = observation.StartTime,
            Method = string.Empty,
            Path = string.Empty,
            Protocol = string.Empty,
            ResponseCode = 0,
            ResponseFlags = ResponseFlagsFormatter.Format(observation.Flags),
            ConnectionTerminationDetails = observation.TerminationDetails,
            UpstreamTransportFailureReason = observation.UpstreamFailure,
            BytesReceived = observation.Received,
            BytesSent = observation.Sent,
            DurationMilliseconds = (long)duration.TotalMilliseconds,
            UpstreamHost = endpoint is null ? null : observation.Endpoint!.Key,
            UpstreamCluster = observation.ClusterName,
            UpstreamLocalAddress = observation.UpstreamLocalAddress,
            DownstreamLocalAddress = observation.Local?.ToString(),
            DownstreamRemoteAddress = observation.Remote?.ToString(),
            RequestedServerName = observation.ServerName,
        };
    }

    /// <summary>Reference equality on the target (an endpoint, a cluster, a name or this proxy's inbound destination).</summary>
    private readonly record struct EdgeKey(object Target, string? PeerSpiffeId, string? SpecialCluster, ResponseFlags Flags);
}
