namespace Mesh.Istio.Networking;

/// <summary>An error returned instead of forwarding a share of requests.</summary>
public sealed record FaultAbort
{
    public int? HttpStatus { get; init; }
    public string? GrpcStatus { get; init; }
    public string? Http2Error { get; init; }
    public Percent? Percentage { get; init; }
}
