namespace Mesh.Istio.Networking;

/// <summary>An extra attribute of a generated hash cookie.</summary>
public sealed record CookieAttribute
{
    public string Name { get; init; } = "";
    public string? Value { get; init; }
}
