namespace Mesh.Istio.Networking;

/// <summary>A service (and optionally a subset and port of it) that traffic is forwarded to.</summary>
public sealed record Destination
{
    public string Host { get; init; } = "";
    public string? Subset { get; init; }
    public PortSelector? Port { get; init; }
}
