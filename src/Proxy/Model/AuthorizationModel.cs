namespace Mesh.Proxy.Model;

/// <summary>
/// The compiled authorization of a listener: the enforced rules by action in Istio's order (CUSTOM, DENY, ALLOW), and
/// the dry-run rules, evaluated the same way but only recorded (Envoy's shadow rules). An ALLOW policy with no rules
/// still counts: its presence alone denies what no ALLOW rule matches.
/// </summary>
internal sealed class AuthorizationModel
{
    /// <summary>Envoy's response code details when ALLOW policies exist and none matched.</summary>
    public const string NoAllowMatchedDetails = "rbac_access_denied_matched_policy[none]";

    public required AuthorizationRuleModel[] Custom { get; init; }

    public required AuthorizationRuleModel[] Deny { get; init; }

    public required AuthorizationRuleModel[] Allow { get; init; }

    public required bool HasAllowPolicy { get; init; }

    public required AuthorizationRuleModel[] Audit { get; init; }

    public required AuthorizationRuleModel[] DryRunDeny { get; init; }

    public required AuthorizationRuleModel[] DryRunAllow { get; init; }

    public required bool HasDryRunAllowPolicy { get; init; }

    /// <summary>True when dry-run or AUDIT policies apply: only then does a request pay for evaluating them.</summary>
    public bool HasRecordedRules => Audit.Length > 0 || DryRunDeny.Length > 0 || HasDryRunAllowPolicy;
}
