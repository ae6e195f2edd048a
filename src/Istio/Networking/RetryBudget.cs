namespace Mesh.Istio.Networking;

/// <summary>A cap on concurrent retries relative to active requests.</summary>
public sealed record RetryBudget
{
    public double? Percent { get; init; }
    public uint? MinRetryConcurrency { get; init; }
}
