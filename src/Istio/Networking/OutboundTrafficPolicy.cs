namespace Mesh.Istio.Networking;

/// <summary>A Sidecar's outboundTrafficPolicy: what its workloads' connections to destinations the registry does not know do.</summary>
public sealed record OutboundTrafficPolicy
{
    /// <summary>Null when not written: then <c>REGISTRY_ONLY</c>, the proto's zero value, as Istio reads it.</summary>
    public OutboundTrafficMode? Mode { get; init; }
    public Destination? EgressProxy { get; init; }
}
