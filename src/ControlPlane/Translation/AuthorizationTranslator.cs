// Istio AuthorizationPolicies → the authorization a proxy enforces on its inbound or gateway listeners.
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using IstioSecurity = Mesh.Istio.Security;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Translates the policies that apply to a proxy field by field: each Source and Operation becomes a set of attribute
/// matches that must all hold, each <c>not*</c> field a negated match, each <c>when</c> condition one match (two with
/// both values and notValues). Value patterns travel as Istio wrote them; the proxy compiles them. A condition on one of
/// Istio's experimental keys, which this mesh cannot read, fails closed the way Istio treats HTTP-only fields on TCP:
/// an ALLOW or AUDIT rule with it never matches (it is left out), in a DENY or CUSTOM rule it is taken to hold.
/// </summary>
internal static class AuthorizationTranslator
{
    /// <summary>Istio's annotation: the policy is evaluated and recorded, not enforced.</summary>
    public const string DryRunAnnotation = "istio.io/dry-run";

    /// <summary>The authorization for a proxy's listeners; null when no policy applies, so its requests pay nothing.</summary>
    public static Authorization? For(ProxyContext proxy, MeshSnapshot snapshot)
    {
        var policies = AuthorizationPolicyResolver.PoliciesFor(proxy, snapshot);
        if (policies.Count == 0) return null;
        var authorization = new Authorization();
        foreach (var policy in policies) authorization.Policies.Add(Translate(policy));
        return authorization;
    }

    private static AuthorizationPolicy Translate(IstioSecurity.AuthorizationPolicy policy)
    {
        var translated = new AuthorizationPolicy
        {
            Name = policy.Metadata.Name,
            Namespace = policy.Metadata.Namespace,
            Action = policy.Spec.Action switch
            {
                IstioSecurity.AuthorizationPolicyAction.Deny => AuthorizationAction.Deny,
                IstioSecurity.AuthorizationPolicyAction.Audit => AuthorizationAction.Audit,
                IstioSecurity.AuthorizationPolicyAction.Custom => AuthorizationAction.Custom,
                _ => AuthorizationAction.Allow,
            },
            DryRun = policy.Metadata.Annotations.TryGetValue(DryRunAnnotation, out var dryRun) && IsTrue(dryRun),
        };
        var matchesWhatItCannotRead = translated.Action is AuthorizationAction.Deny or AuthorizationAction.Custom;
        foreach (var rule in policy.Spec.Rules)
        {
            if (!matchesWhatItCannotRead && HasUnevaluableCondition(rule)) continue;
            translated.Rules.Add(Translate(rule, policy.Metadata.Namespace));
        }
        return translated;
    }

    private static bool HasUnevaluableCondition(IstioSecurity.Rule rule)
    {
        foreach (var condition in rule.When)
        {
            if (IstioSecurity.ConditionKey.Parse(condition.Key, out _) is { IsEvaluable: false }) return true;
        }
        return false;
    }

    private static AuthorizationRule Translate(IstioSecurity.Rule rule, string policyNamespace)
    {
        var translated = new AuthorizationRule();
        foreach (var from in rule.From)
        {
            if (from.Source is { } source) translated.From.Add(Translate(source, policyNamespace));
        }
        foreach (var to in rule.To)
        {
            if (to.Operation is { } operation) translated.To.Add(Translate(operation));
        }
        foreach (var condition in rule.When)
        {
            // The validator refuses a key the parser does not know, so every condition reaching here has one.
            var key = IstioSecurity.ConditionKey.Parse(condition.Key, out _)!;
            if (!key.IsEvaluable) continue;
            var attribute = Attribute(key.Attribute);
            Add(translated.When, attribute, condition.Values, negated: false, key.Arguments);
            Add(translated.When, attribute, condition.NotValues, negated: true, key.Arguments);
        }
        return translated;
    }

    private static AuthorizationMatchSet Translate(IstioSecurity.Source source, string policyNamespace)
    {
        var set = new AuthorizationMatchSet();
        Add(set.Matches, AuthorizationAttribute.Principal, source.Principals, negated: false);
        Add(set.Matches, AuthorizationAttribute.Principal, source.NotPrincipals, negated: true);
        Add(set.Matches, AuthorizationAttribute.RequestPrincipal, source.RequestPrincipals, negated: false);
        Add(set.Matches, AuthorizationAttribute.RequestPrincipal, source.NotRequestPrincipals, negated: true);
        Add(set.Matches, AuthorizationAttribute.Namespace, source.Namespaces, negated: false);
        Add(set.Matches, AuthorizationAttribute.Namespace, source.NotNamespaces, negated: true);
        Add(set.Matches, AuthorizationAttribute.SourceIp, source.IpBlocks, negated: false);
        Add(set.Matches, AuthorizationAttribute.SourceIp, source.NotIpBlocks, negated: true);
        Add(set.Matches, AuthorizationAttribute.RemoteIp, source.RemoteIpBlocks, negated: false);
        Add(set.Matches, AuthorizationAttribute.RemoteIp, source.NotRemoteIpBlocks, negated: true);
        Add(set.Matches, AuthorizationAttribute.Principal, ServiceAccountPrincipals(source.ServiceAccounts, policyNamespace), negated: false);
        Add(set.Matches, AuthorizationAttribute.Principal, ServiceAccountPrincipals(source.NotServiceAccounts, policyNamespace), negated: true);
        Add(set.Matches, AuthorizationAttribute.TrustDomain, source.TrustDomains, negated: false);
        Add(set.Matches, AuthorizationAttribute.TrustDomain, source.NotTrustDomains, negated: true);
        return set;
    }

    private static AuthorizationMatchSet Translate(IstioSecurity.Operation operation)
    {
        var set = new AuthorizationMatchSet();
        Add(set.Matches, AuthorizationAttribute.Host, operation.Hosts, negated: false);
        Add(set.Matches, AuthorizationAttribute.Host, operation.NotHosts, negated: true);
        Add(set.Matches, AuthorizationAttribute.DestinationPort, operation.Ports, negated: false);
        Add(set.Matches, AuthorizationAttribute.DestinationPort, operation.NotPorts, negated: true);
        Add(set.Matches, AuthorizationAttribute.Method, operation.Methods, negated: false);
        Add(set.Matches, AuthorizationAttribute.Method, operation.NotMethods, negated: true);
        Add(set.Matches, AuthorizationAttribute.Path, operation.Paths, negated: false);
        Add(set.Matches, AuthorizationAttribute.Path, operation.NotPaths, negated: true);
        return set;
    }

    /// <summary>
    /// Istio's serviceAccounts: <c>&lt;namespace&gt;/&lt;account&gt;</c>, or <c>&lt;account&gt;</c> in the policy's
    /// namespace; the identity <c>&lt;any trust domain&gt;/ns/&lt;namespace&gt;/sa/&lt;account&gt;</c>.
    /// </summary>
    private static List<string> ServiceAccountPrincipals(IReadOnlyList<string> accounts, string policyNamespace)
    {
        var principals = new List<string>(accounts.Count);
        foreach (var account in accounts)
        {
            var slash = account.IndexOf('/');
            principals.Add(slash < 0 ? $"*/ns/{policyNamespace}/sa/{account}" : $"*/ns/{account[..slash]}/sa/{account[(slash + 1)..]}");
        }
        return principals;
    }

    private static void Add(ICollection<AuthorizationMatch> matches, AuthorizationAttribute attribute, IReadOnlyList<string> values, bool negated,
        IReadOnlyList<string>? key = null)
    {
        // An empty list is an absent field: it constrains nothing.
        if (values.Count == 0) return;
        var match = new AuthorizationMatch { Attribute = attribute, Negated = negated };
        match.Values.AddRange(values);
        if (key is not null) match.Key.AddRange(key);
        matches.Add(match);
    }

    private static AuthorizationAttribute Attribute(string conditionAttribute) => conditionAttribute switch
    {
        IstioSecurity.ConditionKey.RequestHeaders => AuthorizationAttribute.Header,
        IstioSecurity.ConditionKey.SourceIp => AuthorizationAttribute.SourceIp,
        IstioSecurity.ConditionKey.RemoteIp => AuthorizationAttribute.RemoteIp,
        IstioSecurity.ConditionKey.SourceNamespace => AuthorizationAttribute.Namespace,
        IstioSecurity.ConditionKey.SourcePrincipal => AuthorizationAttribute.Principal,
        IstioSecurity.ConditionKey.SourceTrustDomain => AuthorizationAttribute.TrustDomain,
        IstioSecurity.ConditionKey.DestinationIp => AuthorizationAttribute.DestinationIp,
        IstioSecurity.ConditionKey.DestinationPort => AuthorizationAttribute.DestinationPort,
        IstioSecurity.ConditionKey.ConnectionSni => AuthorizationAttribute.Sni,
        IstioSecurity.ConditionKey.RequestAuthPrincipal => AuthorizationAttribute.RequestPrincipal,
        IstioSecurity.ConditionKey.RequestAuthAudiences => AuthorizationAttribute.Audience,
        IstioSecurity.ConditionKey.RequestAuthPresenter => AuthorizationAttribute.Presenter,
        IstioSecurity.ConditionKey.RequestAuthClaims => AuthorizationAttribute.Claim,
        _ => throw new ArgumentOutOfRangeException(nameof(conditionAttribute), conditionAttribute, "a condition key the parser does not produce"),
    };

    /// <summary>The annotation's value as Istio reads it (Go's strconv.ParseBool).</summary>
    private static bool IsTrue(string value) => value is "1" or "t" or "T" or "true" or "TRUE" or "True";
}
