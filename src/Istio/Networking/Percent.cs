namespace Mesh.Istio.Networking;

/// <summary>A percentage between 0 and 100.</summary>
public sealed record Percent
{
    public double Value { get; init; }
}
