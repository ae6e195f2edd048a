using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>A compiled cluster: its configuration, its endpoints, the connection pool it shares with earlier snapshots, and its live state.</summary>
internal sealed class ClusterModel(Cluster config, ClusterTransport transport, EndpointModel[] endpoints, ClusterState state)
{
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
}
