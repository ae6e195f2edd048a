namespace Mesh.Istio.Networking;

/// <summary>Locality-aware load balancing: weighted distribution or failover between localities.</summary>
public sealed record LocalityLoadBalancerSetting
{
    public IReadOnlyList<LocalityDistribute> Distribute { get; init; } = [];
    public IReadOnlyList<LocalityFailover> Failover { get; init; } = [];
    public IReadOnlyList<string> FailoverPriority { get; init; } = [];
    public bool? Enabled { get; init; }
}
