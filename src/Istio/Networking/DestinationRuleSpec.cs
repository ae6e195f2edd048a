namespace Mesh.Istio.Networking;

/// <summary>The spec of a DestinationRule: policies applied to traffic after routing chose a service.</summary>
public sealed record DestinationRuleSpec
{
    public string Host { get; init; } = "";
    public TrafficPolicy? TrafficPolicy { get; init; }
    public IReadOnlyList<Subset> Subsets { get; init; } = [];
    public IReadOnlyList<string> ExportTo { get; init; } = [];
    public LabelSelector? WorkloadSelector { get; init; }
}
