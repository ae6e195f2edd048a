namespace Mesh.Istio.Networking;

/// <summary>A delay injected before forwarding a share of requests.</summary>
public sealed record FaultDelay
{
    public TimeSpan? FixedDelay { get; init; }
    public TimeSpan? ExponentialDelay { get; init; }
    public Percent? Percentage { get; init; }
    public int? Percent { get; init; }
}
