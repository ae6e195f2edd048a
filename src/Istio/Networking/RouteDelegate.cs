namespace Mesh.Istio.Networking;

/// <summary>A reference to a VirtualService that the HTTP route delegates to (Istio's Delegate).</summary>
public sealed record RouteDelegate
{
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
}
