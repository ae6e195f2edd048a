namespace Mesh.Istio.Networking;

/// <summary>A fixed response sent instead of forwarding the request.</summary>
public sealed record HttpDirectResponse
{
    public uint Status { get; init; }
    public HttpBody? Body { get; init; }
}
