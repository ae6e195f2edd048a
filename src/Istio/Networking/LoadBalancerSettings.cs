namespace Mesh.Istio.Networking;

/// <summary>How requests are spread over a destination's endpoints.</summary>
public sealed record LoadBalancerSettings
{
    public SimpleLB? Simple { get; init; }
    public ConsistentHashLB? ConsistentHash { get; init; }
    public LocalityLoadBalancerSetting? LocalityLbSetting { get; init; }
    public TimeSpan? WarmupDurationSecs { get; init; }
    public WarmupConfiguration? Warmup { get; init; }
}
