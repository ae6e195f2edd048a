using Mesh.Contracts.Discovery;
using Mesh.Proxy.Routing.LoadBalancing;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Configuration;

/// <summary>A compiled cluster: its shared connection pool, its endpoints and the load balancer that picks among them.</summary>
internal sealed class ClusterModel(Cluster config, ClusterTransport transport, EndpointModel[] endpoints, ILoadBalancer loadBalancer)
{
    public Cluster Config { get; } = config;

    public string Name => Config.Name;

    public ClusterTransport Transport { get; } = transport;

    public EndpointModel[] Endpoints { get; } = endpoints;

    public ILoadBalancer LoadBalancer { get; } = loadBalancer;

    /// <summary>
    /// HTTP/2 clusters speak h2c with prior knowledge (gRPC); others HTTP/1.1. Between sidecars (ISTIO_MUTUAL) it is
    /// always h2 over the TLS stream the connector negotiated ALPN h2 on; the handler sees that stream as plaintext.
    /// </summary>
    public ForwarderRequestConfig RequestConfig { get; } = config.Protocol == UpstreamProtocol.Http2 || config.Tls?.Mode == UpstreamTlsMode.IstioMutual
        ? new ForwarderRequestConfig { Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, ActivityTimeout = TimeSpan.FromMinutes(10) }
        : new ForwarderRequestConfig { Version = System.Net.HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower, ActivityTimeout = TimeSpan.FromMinutes(10) };

    public ClusterModel WithEndpoints(EndpointModel[] endpoints) => new(Config, Transport, endpoints, LoadBalancer);
}
