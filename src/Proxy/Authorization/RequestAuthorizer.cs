// Decides whether a request or connection may pass a listener's AuthorizationPolicies, as Envoy's RBAC filter does for Istio.
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Authorization;

/// <summary>
/// Istio's order: a CUSTOM rule that matches denies (external authorization is not called here: fail closed), then a
/// DENY rule that matches denies, then, when ALLOW policies exist, what no ALLOW rule matches is denied. A condition on
/// an attribute the traffic cannot have holds in CUSTOM and DENY rules and fails ALLOW and AUDIT rules: either way the
/// outcome is the stricter one, as Istio generates TCP rules from HTTP fields.
/// </summary>
internal static class RequestAuthorizer
{
    /// <summary>Envoy's body for a request its RBAC filter denied.</summary>
    public static readonly byte[] AccessDenied = "RBAC: access denied"u8.ToArray();

    /// <summary>Envoy's response code details when the external authorizer could not be asked (here: never is).</summary>
    public const string ExternalAuthorizationError = "ext_authz_error";

    /// <summary>Null when allowed; else Envoy's response code details naming what denied it.</summary>
    public static string? Deny<TAttributes>(AuthorizationModel model, in TAttributes attributes) where TAttributes : struct, IAuthorizationAttributes
    {
        if (FirstMatch(model.Custom, attributes, missingHolds: true) is not null) return ExternalAuthorizationError;
        if (FirstMatch(model.Deny, attributes, missingHolds: true) is { } denying) return denying.DeniedDetails;
        if (model.HasAllowPolicy && FirstMatch(model.Allow, attributes, missingHolds: false) is null) return AuthorizationModel.NoAllowMatchedDetails;
        return null;
    }

    /// <summary>What the dry-run policies alone would decide: the matched DENY rule, or none of the dry-run ALLOW rules.</summary>
    public static string? DryRunDeny<TAttributes>(AuthorizationModel model, in TAttributes attributes) where TAttributes : struct, IAuthorizationAttributes
    {
        if (FirstMatch(model.DryRunDeny, attributes, missingHolds: true) is { } denying) return denying.DeniedDetails;
        if (model.HasDryRunAllowPolicy && FirstMatch(model.DryRunAllow, attributes, missingHolds: false) is null) return AuthorizationModel.NoAllowMatchedDetails;
        return null;
    }

    /// <summary>The first AUDIT rule that matches; null when none does.</summary>
    public static AuthorizationRuleModel? Audited<TAttributes>(AuthorizationModel model, in TAttributes attributes) where TAttributes : struct, IAuthorizationAttributes =>
        FirstMatch(model.Audit, attributes, missingHolds: false);

    private static AuthorizationRuleModel? FirstMatch<TAttributes>(AuthorizationRuleModel[] rules, in TAttributes attributes, bool missingHolds)
        where TAttributes : struct, IAuthorizationAttributes
    {
        foreach (var rule in rules)
        {
            if ((rule.From.Length == 0 || AnySet(rule.From, attributes, missingHolds))
                && (rule.To.Length == 0 || AnySet(rule.To, attributes, missingHolds))
                && All(rule.When, attributes, missingHolds))
            {
                return rule;
            }
        }
        return null;
    }

    private static bool AnySet<TAttributes>(AuthorizationMatchModel[][] sets, in TAttributes attributes, bool missingHolds)
        where TAttributes : struct, IAuthorizationAttributes
    {
        foreach (var set in sets)
        {
            if (All(set, attributes, missingHolds)) return true;
        }
        return false;
    }

    private static bool All<TAttributes>(AuthorizationMatchModel[] matches, in TAttributes attributes, bool missingHolds)
        where TAttributes : struct, IAuthorizationAttributes
    {
        foreach (var match in matches)
        {
            if (!attributes.Has(match.Attribute))
            {
                if (missingHolds) continue;
                return false;
            }

            if (attributes.AnyValue(match) == match.Negated) return false;
        }
        return true;
    }
}
