using Mesh.Contracts.Discovery;
using Microsoft.AspNetCore.Http;
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

    // HTTP/2 or HTTP/1.1 for every request; null: each request goes as its client's came (DOWNSTREAM).
    private readonly bool? _http2 = SpeaksHttp2(config);

    /// <summary>
    /// The circuit-breaker thresholds; null when neither connectionPool nor a retry budget sets one (nothing is counted). A cluster that follows
    /// its clients' protocol is bounded as HTTP/1.1 is (connections plus pending), the stricter reading: its ports are
    /// the detected ones, whose clients mostly speak HTTP/1.1.
    /// </summary>
    public CircuitBreakerThresholds? Limits { get; } = CircuitBreakerThresholds.From(config.ConnectionPool, SpeaksHttp2(config) == true, config.RetryBudget);

    /// <summary>
    /// HTTP/2 when the cluster says so: h2c with prior knowledge in plaintext, ALPN h2 under TLS. The control plane says
    /// so for HTTP2 and gRPC ports, for h2UpgradePolicy UPGRADE, and for HTTP ports between sidecars (ISTIO_MUTUAL)
    /// unless the DestinationRule says DO_NOT_UPGRADE. Null for DOWNSTREAM (detected ports, passthrough,
    /// useClientProtocol): each request goes as its client's came. An opaque port's cluster (UNSPECIFIED) is h2 between
    /// sidecars, HTTP/1.1 elsewhere, should a request reach it. Otherwise HTTP/1.1.
    /// </summary>
    public static bool? SpeaksHttp2(Cluster config) => config.Protocol switch
    {
        UpstreamProtocol.Http2 => true,
        UpstreamProtocol.Downstream => null,
        UpstreamProtocol.Unspecified => config.Tls?.Mode == UpstreamTlsMode.IstioMutual,
        _ => false,
    };

    /// <summary>Whether this request goes upstream as HTTP/2 (<see cref="SpeaksHttp2"/>).</summary>
    public bool SendsHttp2(HttpRequest request) => _http2 ?? HttpProtocol.IsHttp2(request.Protocol);

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
