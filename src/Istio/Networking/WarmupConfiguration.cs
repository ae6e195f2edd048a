namespace Mesh.Istio.Networking;

/// <summary>Slow start: how new endpoints get a growing share of traffic.</summary>
public sealed record WarmupConfiguration
{
    public TimeSpan? Duration { get; init; }
    public double? MinimumPercent { get; init; }
    public double? Aggression { get; init; }
}
