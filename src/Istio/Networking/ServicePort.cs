namespace Mesh.Istio.Networking;

/// <summary>A port of a ServiceEntry's service.</summary>
public sealed record ServicePort
{
    public uint? Number { get; init; }
    public string? Protocol { get; init; }
    public string Name { get; init; } = "";
    public uint? TargetPort { get; init; }
}
