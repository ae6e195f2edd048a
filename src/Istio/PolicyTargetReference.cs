namespace Mesh.Istio;

/// <summary>A reference to the Kubernetes resource a policy attaches to.</summary>
public sealed record PolicyTargetReference
{
    public string? Group { get; init; }
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
}
