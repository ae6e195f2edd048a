namespace Mesh.Istio.Networking;

/// <summary>Selects a port of a service by number.</summary>
public sealed record PortSelector
{
    public uint? Number { get; init; }
}
