namespace Mesh.Istio.Networking;

/// <summary>Ring hash settings of a consistent hash load balancer.</summary>
public sealed record RingHash
{
    public ulong? MinimumRingSize { get; init; }
}
