namespace Mesh.Istio.Security;

/// <summary>The AuthorizationPolicy resource: access control for workloads.</summary>
public sealed record AuthorizationPolicy : IstioResource
{
    public const string KindName = "AuthorizationPolicy";

    public override string Kind => KindName;

    public required AuthorizationPolicySpec Spec { get; init; }
}
