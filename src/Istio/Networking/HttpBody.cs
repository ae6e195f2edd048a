namespace Mesh.Istio.Networking;

/// <summary>The body of a direct response, as text or base64 bytes.</summary>
public sealed record HttpBody
{
    public string? String { get; init; }
    public string? Bytes { get; init; }
}
