namespace Mesh.Istio.Security;

/// <summary>A header a token is read from, and the prefix before the token in its value (e.g. <c>"Bearer "</c>).</summary>
public sealed record JwtHeader
{
    public string Name { get; init; } = "";
    public string Prefix { get; init; } = "";
}
