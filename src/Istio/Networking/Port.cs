namespace Mesh.Istio.Networking;

/// <summary>A port a gateway server listens on.</summary>
public sealed record Port
{
    public uint? Number { get; init; }
    public string Protocol { get; init; } = "";
    public string Name { get; init; } = "";
    public uint? TargetPort { get; init; }
}
