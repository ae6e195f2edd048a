namespace Mesh.Proxy.Model;

/// <summary>
/// A compiled Istio rule: any of <see cref="From"/>, any of <see cref="To"/> and all of <see cref="When"/> must hold
/// (an empty list holds); within one From or To entry every match must hold. Named the way Envoy's RBAC filter names
/// Istio's policies, so the denial it causes can be reported without building a string per request.
/// </summary>
internal sealed class AuthorizationRuleModel(string policyId, AuthorizationMatchModel[][] from, AuthorizationMatchModel[][] to, AuthorizationMatchModel[] when)
{
    /// <summary><c>ns[&lt;namespace&gt;]-policy[&lt;name&gt;]-rule[&lt;index&gt;]</c>.</summary>
    public string PolicyId { get; } = policyId;

    /// <summary>Envoy's response code details for a request this rule denied.</summary>
    public string DeniedDetails { get; } = $"rbac_access_denied_matched_policy[{policyId}]";

    public AuthorizationMatchModel[][] From { get; } = from;

    public AuthorizationMatchModel[][] To { get; } = to;

    public AuthorizationMatchModel[] When { get; } = when;
}
