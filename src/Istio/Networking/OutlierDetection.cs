namespace Mesh.Istio.Networking;

/// <summary>Circuit breaking: ejecting endpoints that keep failing.</summary>
public sealed record OutlierDetection
{
    public bool SplitExternalLocalOriginErrors { get; init; }
    public uint? ConsecutiveLocalOriginFailures { get; init; }
    public uint? ConsecutiveGatewayErrors { get; init; }
    public uint? Consecutive5xxErrors { get; init; }
    public TimeSpan? Interval { get; init; }
    public TimeSpan? BaseEjectionTime { get; init; }
    public int? MaxEjectionPercent { get; init; }
    public int? MinHealthPercent { get; init; }
    public int? ConsecutiveErrors { get; init; }
}
