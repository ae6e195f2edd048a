namespace Mesh.Istio.Networking;

/// <summary>The DestinationRule resource: policies applied to a service after routing.</summary>
public sealed record DestinationRule : IstioResource
{
    public const string KindName = "DestinationRule";

    public override string Kind => KindName;

    public required DestinationRuleSpec Spec { get; init; }
}
