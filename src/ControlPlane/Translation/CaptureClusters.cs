using Google.Protobuf;
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

    // The same for every captured sidecar: made and packed once, not for each sidecar at each change. Messages are
    // only packed and read once generated, never changed, so every proxy's set can hold these.
    private static readonly Cluster[] Clusters =
    [
        Packed(new Cluster { Name = Passthrough, ConnectTimeoutMs = ConnectTimeoutMs, LbPolicy = LoadBalancerPolicy.Passthrough, Protocol = UpstreamProtocol.Downstream }),
        Packed(new Cluster { Name = BlackHole, ConnectTimeoutMs = ConnectTimeoutMs }),
        Packed(new Cluster { Name = InboundPassthrough, ConnectTimeoutMs = ConnectTimeoutMs, LbPolicy = LoadBalancerPolicy.Passthrough, Protocol = UpstreamProtocol.Downstream }),
    ];

    // Empty assignments, so that every cluster sent has its load assignment, as for the services' clusters.
    private static readonly ClusterLoadAssignment[] Assignments =
    [
        Packed(new ClusterLoadAssignment { ClusterName = Passthrough }),
        Packed(new ClusterLoadAssignment { ClusterName = BlackHole }),
        Packed(new ClusterLoadAssignment { ClusterName = InboundPassthrough }),
    ];

    public static void Build(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints)
    {
        clusters.AddRange(Clusters);
        endpoints.AddRange(Assignments);
    }

    private static T Packed<T>(T resource)
        where T : IMessage, IPackingSlot
    {
        resource.KeepPacking(new Lazy<PackedResource>(() => new PackedResource(resource)));
        return resource;
    }

    /// <summary>Where outboundTrafficPolicy sends what no service claims: its original destination, or nowhere.</summary>
    public static string OutboundFallthrough(OutboundTrafficPolicyMode mode) =>
        mode == OutboundTrafficPolicyMode.RegistryOnly ? BlackHole : Passthrough;
}
