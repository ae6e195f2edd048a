namespace Mesh.Istio.Networking;

/// <summary>Maglev settings of a consistent hash load balancer.</summary>
public sealed record MagLev
{
    public ulong? TableSize { get; init; }
}
