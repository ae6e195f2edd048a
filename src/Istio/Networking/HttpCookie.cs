namespace Mesh.Istio.Networking;

/// <summary>The cookie a consistent hash is computed from (generated when absent).</summary>
public sealed record HttpCookie
{
    public string Name { get; init; } = "";
    public string? Path { get; init; }
    public TimeSpan? Ttl { get; init; }
    public IReadOnlyList<CookieAttribute> Attributes { get; init; } = [];
}
