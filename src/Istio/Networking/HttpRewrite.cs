namespace Mesh.Istio.Networking;

/// <summary>Rewrites of the path and authority applied before forwarding.</summary>
public sealed record HttpRewrite
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public RegexRewrite? UriRegexRewrite { get; init; }
}
