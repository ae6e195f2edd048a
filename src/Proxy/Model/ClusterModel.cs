using Mesh.Contracts.Discovery;
namespace Mesh.Proxy.Model;

/// <summary>A compiled cluster: its configuration, its endpoints, the connection pool it shares with earlier snapshots, and its live state.</summary>
internal sealed class ClusterModel(Cluster config, ClusterTransport transport, EndpointModel[] endpoints, ClusterState state)
{
    // The endpoints load balancing may choose, for the detector version they were filtered at; rebuilt only when an
    // ejection starts or ends.
    private AvailableEndpointSet? _available;

    public Cluster Config { get; } = config;

    public string Name => Config.Name;

    public ClusterTransport Transport { get; } = transport;

    public EndpointModel[] Endpoints { get; } = endpoints;

    public ClusterState State { get; } = state;

    /// <summary>What the load balancer needs beyond the policy: null for equal weights with no hash, slow start or locality priorities.</summary>
    public LoadBalancerModel? Balancer { get; init; }

    /// <summary>
    /// HTTP/2 clusters speak h2c with prior knowledge (gRPC); others HTTP/1.1. Between sidecars (ISTIO_MUTUAL) it is
    /// always h2 over the TLS stream the connector negotiated ALPN h2 on; the handler sees that stream as plaintext.
    /// </summary>
    public bool UsesHttp2 { get; } = config.Protocol == UpstreamProtocol.Http2 || config.Tls?.Mode == UpstreamTlsMode.IstioMutual;

    /// <summary>The circuit-breaker thresholds; null when connectionPool sets none (nothing is counted).</summary>
    public CircuitBreakerThresholds? Limits { get; } = CircuitBreakerThresholds.From(config.ConnectionPool,
        config.Protocol == UpstreamProtocol.Http2 || config.Tls?.Mode == UpstreamTlsMode.IstioMutual);

    /// <summary>The outlier detector, when this cluster's config has outlier detection.</summary>
    public OutlierDetector? Outlier => Config.OutlierDetection is null ? null : State.Outlier;

    /// <summary>
    /// The endpoints load balancing chooses from: all of them without outlier detection; with it, those not ejected,
    /// or all of them in panic (fewer healthy than min_health_percent, Envoy's healthy_panic_threshold).
    /// </summary>
    public EndpointModel[] AvailableEndpoints => Outlier is { } outlier ? Available(outlier) : Endpoints;

    private EndpointModel[] Available(OutlierDetector outlier)
    {
        var version = outlier.Version;
        var available = Volatile.Read(ref _available);
        if (available is not null && available.Version == version)
        {
            return available.Endpoints;
        }

        available = new AvailableEndpointSet(version, Filter(Config.OutlierDetection.MinHealthPercent));
        Volatile.Write(ref _available, available);
        return available.Endpoints;
    }

    private EndpointModel[] Filter(uint minHealthPercent)
    {
        var healthy = 0;
        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.State.Outlier.IsEjected) healthy++;
        }

        if (healthy == Endpoints.Length || (ulong)healthy * 100 < (ulong)Endpoints.Length * minHealthPercent)
        {
            return Endpoints;
        }

        var result = new EndpointModel[healthy];
        var next = 0;
        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.State.Outlier.IsEjected) result[next++] = endpoint;
        }

        return result;
    }

    private sealed record AvailableEndpointSet(int Version, EndpointModel[] Endpoints);
}
