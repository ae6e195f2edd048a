namespace Mesh.Istio.Security;

/// <summary>An extra condition on a request attribute, by key.</summary>
public sealed record Condition
{
    public string Key { get; init; } = "";
    public IReadOnlyList<string> Values { get; init; } = [];
    public IReadOnlyList<string> NotValues { get; init; } = [];
}
