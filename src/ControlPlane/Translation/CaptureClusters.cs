using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// The three clusters Istio gives a captured sidecar beside its services': <c>PassthroughCluster</c> (the connection's
/// original destination), <c>BlackHoleCluster</c> (refused) and <c>InboundPassthroughCluster</c> (the local
/// application at the original destination's port). None has endpoints: the original destination is the address.
/// The two passthrough clusters speak the client's protocol, as Istio's do: an h2c client (gRPC to an address outside
/// the mesh) stays HTTP/2.
/// </summary>
internal static class CaptureClusters
{
    public const string Passthrough = "PassthroughCluster";
    public const string BlackHole = "BlackHoleCluster";
    public const string InboundPassthrough = "InboundPassthroughCluster";

    /// <summary>Istio's connect timeout for the passthrough clusters, as for every cluster.</summary>
    private const uint ConnectTimeoutMs = 10_000;

    public static void Build(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints)
    {
        clusters.Add(new Cluster { Name = Passthrough, ConnectTimeoutMs = ConnectTimeoutMs, LbPolicy = LoadBalancerPolicy.Passthrough, Protocol = UpstreamProtocol.Downstream });
        clusters.Add(new Cluster { Name = BlackHole, ConnectTimeoutMs = ConnectTimeoutMs });
        clusters.Add(new Cluster { Name = InboundPassthrough, ConnectTimeoutMs = ConnectTimeoutMs, LbPolicy = LoadBalancerPolicy.Passthrough, Protocol = UpstreamProtocol.Downstream });
        // Empty assignments, so that every cluster sent has its load assignment, as for the services' clusters.
        endpoints.Add(new ClusterLoadAssignment { ClusterName = Passthrough });
        endpoints.Add(new ClusterLoadAssignment { ClusterName = BlackHole });
        endpoints.Add(new ClusterLoadAssignment { ClusterName = InboundPassthrough });
    }

    /// <summary>Where outboundTrafficPolicy sends what no service claims: its original destination, or nowhere.</summary>
    public static string OutboundFallthrough(OutboundTrafficPolicyMode mode) =>
        mode == OutboundTrafficPolicyMode.RegistryOnly ? BlackHole : Passthrough;
}
