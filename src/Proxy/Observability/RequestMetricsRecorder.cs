// Records each finished request into Istio's standard metrics and our per-route family.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Finds the metric handles of a request by what the proxy already holds (the endpoint, cluster or route model it
/// used, or the caller's peer metadata) and records into them. Handles are created once per label set and cached,
/// keyed by reference where the key is a compiled model (weakly, so old snapshots' models are collected), so
/// recording a label set already seen allocates nothing.
/// </summary>
internal sealed class RequestMetricsRecorder(IstioStandardMetrics istio, RouteMetrics routes, ProxyOptions options, WorkloadIdentityStore? identity = null)
{
    /// <summary>Past this many cached inbound edges the cache starts over (series themselves stay bounded by the registry).</summary>
    private const int MaxInboundEdges = 4_096;

    /// <summary>The same bound for the edges named after a request's Host header, which the application chooses.</summary>
    private const int MaxAuthorityEdges = 1_024;

    // Keys for requests that reached no endpoint or no route.
    private static readonly object NoUpstream = new();
    private static readonly object NoRouteSource = new();
    private static readonly object NoRouteDestination = new();

    private readonly WorkloadPeer _self = WorkloadPeers.From(options.Workload, options.Namespace, options.Labels, null, null);
    private readonly ConditionalWeakTable<object, EdgePair> _outbound = new();
    private readonly ConditionalWeakTable<object, RouteSeries> _routes = new();
    private readonly ConcurrentDictionary<InboundEdgeKey, RequestEdge> _inbound = new();
    private readonly ConcurrentDictionary<(string Authority, bool Grpc), RequestEdge> _byAuthority = new();
    private readonly ConcurrentDictionary<(string Authority, string Cluster, bool Grpc), RequestEdge> _fallthrough = new();

    // Istio's client sidecar falls back to the Host header for destination_service; its gateways do not
    // (istio/istio#22821: anyone on the internet chooses the Host a gateway sees), nor does its inbound side.
    private readonly bool _authorityFallback = options.Role == ProxyRole.Sidecar;
    private readonly InboundDestinationCache _destination = new(options.Workload, options.Namespace, options.Labels);

    /// <param name="authority">The request's Host (HTTP/2 :authority), as the client sent it; null when it had none.</param>
    public void Record(in RequestObservation observation, ProxyRequestFeature feature, string? authority, int responseCode, string? grpcStatus,
        string responseFlags, double durationMs, long requestBytes, long responseBytes, bool grpc)
    {
        var edge = observation.IsInbound ? InboundEdge(observation, grpc) : OutboundEdge(observation.Snapshot, feature, authority, grpc);
        edge.Record(responseCode, grpcStatus, responseFlags, durationMs, requestBytes, responseBytes, feature.Telemetry?.Metrics);

        var route = RouteSeries(observation.IsInbound, feature);
        route.RecordRequest(responseCode, durationMs);
        for (var attempt = 1; attempt < feature.Attempts; attempt++)
        {
            route.RecordRetry();
        }
    }

    private RequestEdge OutboundEdge(ProxySnapshot snapshot, ProxyRequestFeature feature, string? authority, bool grpc)
    {
        if (FallthroughCluster(feature) is { } fallthrough)
        {
            return FallthroughEdge(authority ?? string.Empty, fallthrough, grpc);
        }

        object? key = (object?)feature.Endpoint
            ?? (feature.ClusterName is not null && snapshot.Clusters.TryGetValue(feature.ClusterName, out var known) ? known : null);
        if (key is null && _authorityFallback)
        {
            return AuthorityEdge(authority ?? string.Empty, grpc);
        }

        key ??= NoUpstream;
        if (!_outbound.TryGetValue(key, out var pair))
        {
            pair = _outbound.GetValue(key, static _ => new EdgePair());
        }

        return (grpc ? pair.Grpc : pair.Http) ?? ResolveOutbound(snapshot, feature, pair, grpc);
    }

    /// <summary>
    /// A request this sidecar answered itself (no route, a redirect or direct response, a cluster it does not know):
    /// no configuration names its destination, so Istio's client sidecar reports the Host header as the service.
    /// </summary>
    private RequestEdge AuthorityEdge(string authority, bool grpc)
    {
        if (_byAuthority.TryGetValue((authority, grpc), out var edge))
        {
            return edge;
        }

        if (_byAuthority.Count >= MaxAuthorityEdges)
        {
            _byAuthority.Clear();
        }

        // Not kept by IstioStandardMetrics, which would hold every Host ever seen; the dictionary above bounds these.
        edge = istio.CreateRequestEdge(new RequestEdgeLabels(
            IstioLabelValues.ReporterSource, _self, WorkloadPeer.Unknown, authority, authority, null,
            grpc ? IstioLabelValues.ProtocolGrpc : IstioLabelValues.ProtocolHttp, IstioLabelValues.Unknown));
        return _byAuthority.GetOrAdd((authority, grpc), edge);
    }

    /// <summary>
    /// Istio's stats filter: a request routed by the fallthrough routes of a captured sidecar (allow_any, block_all), or
    /// to the passthrough and blackhole clusters, reports the cluster as destination_service_name and its Host header as
    /// destination_service; nothing else is known of where it went.
    /// </summary>
    private static string? FallthroughCluster(ProxyRequestFeature feature) => feature.RouteName switch
    {
        FallthroughNames.BlockAllRoute => FallthroughNames.BlackHoleCluster,
        FallthroughNames.AllowAnyRoute => FallthroughNames.PassthroughCluster,
        _ => feature.ClusterName is FallthroughNames.BlackHoleCluster or FallthroughNames.PassthroughCluster or FallthroughNames.InboundPassthroughCluster
            ? feature.ClusterName
            : null,
    };

    private RequestEdge FallthroughEdge(string authority, string cluster, bool grpc)
    {
        if (_fallthrough.TryGetValue((authority, cluster, grpc), out var edge))
        {
            return edge;
        }

        if (_fallthrough.Count >= MaxAuthorityEdges)
        {
            _fallthrough.Clear();
        }

        edge = istio.CreateRequestEdge(new RequestEdgeLabels(
            IstioLabelValues.ReporterSource, _self, WorkloadPeer.Unknown, authority, cluster, null,
            grpc ? IstioLabelValues.ProtocolGrpc : IstioLabelValues.ProtocolHttp, IstioLabelValues.Unknown));
        return _fallthrough.GetOrAdd((authority, cluster, grpc), edge);
    }

    private RequestEdge ResolveOutbound(ProxySnapshot snapshot, ProxyRequestFeature feature, EdgePair pair, bool grpc)
    {
        var destination = WorkloadPeer.Unknown;
        string? service = null, serviceName = null, serviceNamespace = null;
        var mutualTls = false;
        if (feature.ClusterName is not null && snapshot.Clusters.TryGetValue(feature.ClusterName, out var cluster))
        {
            mutualTls = cluster.Config.Tls?.Mode == UpstreamTlsMode.IstioMutual;
            if (cluster.Config.ServiceHost.Length > 0)
            {
                service = cluster.Config.ServiceHost;
                serviceNamespace = cluster.Config.ServiceNamespace;
                serviceName = ServiceNames.ShortName(service, serviceNamespace);
            }
        }

        if (feature.Endpoint is { } endpoint)
        {
            // Over Istio mutual TLS the server's certificate carries its service account's SPIFFE id, as EDS says it.
            var principal = mutualTls ? WorkloadPeers.SpiffeId(endpoint.Config.Namespace, endpoint.Config.ServiceAccount) : null;
            destination = WorkloadPeers.From(endpoint.Config.WorkloadName, endpoint.Config.Namespace, endpoint.Config.Labels, principal, null);
        }

        // Over Istio mutual TLS the connection carries this proxy's certificate, whose URI SAN Istio reports as
        // source_principal: the gateway's as much as a sidecar's.
        var source = mutualTls && identity?.Current is { } certificate ? _self with { Principal = certificate.Identity.Uri } : _self;

        // Istio's client side does not know the connection's security policy from its own vantage point: "unknown".
        var edge = istio.ResolveRequestEdge(new RequestEdgeLabels(
            IstioLabelValues.ReporterSource, source, destination, service, serviceName, serviceNamespace,
            grpc ? IstioLabelValues.ProtocolGrpc : IstioLabelValues.ProtocolHttp, IstioLabelValues.Unknown));
        if (grpc)
        {
            pair.Grpc = edge;
        }
        else
        {
            pair.Http = edge;
        }

        return edge;
    }

    private RequestEdge InboundEdge(in RequestObservation observation, bool grpc)
    {
        var key = new InboundEdgeKey(_destination.For(observation.Snapshot), observation.PeerMetadata, observation.PeerPrincipal, grpc);
        if (_inbound.TryGetValue(key, out var edge))
        {
            return edge;
        }

        if (_inbound.Count >= MaxInboundEdges)
        {
            _inbound.Clear();
        }

        return _inbound.GetOrAdd(key, static (k, recorder) => recorder.ResolveInbound(k), this);
    }

    private RequestEdge ResolveInbound(InboundEdgeKey key)
    {
        var mutualTls = key.PeerPrincipal is not null;
        var source = key.PeerMetadata is null ? null : PeerMetadata.TryDecode(key.PeerMetadata, key.PeerPrincipal);
        source ??= key.PeerPrincipal is null ? WorkloadPeer.Unknown : new WorkloadPeer(null, null, key.PeerPrincipal);
        var destination = key.Destination;
        return istio.ResolveRequestEdge(new RequestEdgeLabels(
            IstioLabelValues.ReporterDestination, source, mutualTls ? destination.MutualTls : destination.Plaintext,
            destination.Service, destination.ServiceName, destination.ServiceNamespace,
            key.Grpc ? IstioLabelValues.ProtocolGrpc : IstioLabelValues.ProtocolHttp,
            mutualTls ? IstioLabelValues.MutualTls : IstioLabelValues.NoSecurity));
    }


    private RouteSeries RouteSeries(bool inbound, ProxyRequestFeature feature)
    {
        object key = (object?)feature.Backend ?? (object?)feature.Route ?? (inbound ? NoRouteDestination : NoRouteSource);
        if (_routes.TryGetValue(key, out var series))
        {
            return series;
        }

        var route = feature.Route;
        var labels = new RouteLabels(
            inbound ? IstioLabelValues.ReporterDestination : IstioLabelValues.ReporterSource,
            route?.Origin?.VirtualService,
            route?.Origin?.Namespace,
            route?.Name,
            feature.Backend is { } backend ? SubsetOf(backend.Name) : null);
        series = routes.Resolve(labels);
        _routes.AddOrUpdate(key, series);
        return series;
    }

    // Istio's cluster names carry the subset third: "outbound|9080|v2|backend.default.svc.cluster.local".
    private static string? SubsetOf(string clusterName)
    {
        var parts = clusterName.Split('|');
        return parts.Length == 4 && parts[2].Length > 0 ? parts[2] : null;
    }
}
