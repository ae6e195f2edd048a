namespace Mesh.Istio.Networking;

/// <summary>Traffic settings that apply to one port of the destination.</summary>
public sealed record PortTrafficPolicy
{
    public PortSelector? Port { get; init; }
    public LoadBalancerSettings? LoadBalancer { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
    public OutlierDetection? OutlierDetection { get; init; }
    public ClientTlsSettings? Tls { get; init; }
}
