namespace Mesh.Istio.Networking;

/// <summary>Header changes applied to requests and responses.</summary>
public sealed record Headers
{
    public HeaderOperations? Request { get; init; }
    public HeaderOperations? Response { get; init; }
}
