namespace Mesh.Istio.Security;

/// <summary>The spec of an AuthorizationPolicy: access control of the selected workloads.</summary>
public sealed record AuthorizationPolicySpec
{
    public LabelSelector? Selector { get; init; }
    public PolicyTargetReference? TargetRef { get; init; }
    public IReadOnlyList<PolicyTargetReference> TargetRefs { get; init; } = [];
    public IReadOnlyList<Rule> Rules { get; init; } = [];
    public AuthorizationPolicyAction? Action { get; init; }
    public ExtensionProvider? Provider { get; init; }
}
