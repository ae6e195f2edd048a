namespace Mesh.Istio.Networking;

/// <summary>A regular expression rewrite of the path.</summary>
public sealed record RegexRewrite
{
    public string Match { get; init; } = "";
    public string Rewrite { get; init; } = "";
}
