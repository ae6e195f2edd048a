namespace Mesh.Istio.Security;

/// <summary>The spec of a RequestAuthentication: the workloads it applies to and the token issuers they accept.</summary>
public sealed record RequestAuthenticationSpec
{
    public LabelSelector? Selector { get; init; }
    public PolicyTargetReference? TargetRef { get; init; }
    public IReadOnlyList<PolicyTargetReference> TargetRefs { get; init; } = [];
    public IReadOnlyList<JwtRule> JwtRules { get; init; } = [];
}
