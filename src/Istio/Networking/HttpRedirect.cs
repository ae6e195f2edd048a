namespace Mesh.Istio.Networking;

/// <summary>An HTTP redirect sent instead of forwarding the request.</summary>
public sealed record HttpRedirect
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public uint? Port { get; init; }
    public RedirectPortSelection? DerivePort { get; init; }
    public string? Scheme { get; init; }
    public uint? RedirectCode { get; init; }
}
