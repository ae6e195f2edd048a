namespace Mesh.Istio.Networking;

/// <summary>Tunnelling of TCP traffic through an HTTP CONNECT or POST proxy.</summary>
public sealed record TunnelSettings
{
    public string? Protocol { get; init; }
    public string TargetHost { get; init; } = "";
    public uint? TargetPort { get; init; }
}
