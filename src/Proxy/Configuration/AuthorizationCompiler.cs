using System.Globalization;
using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using AuthorizationConfig = Mesh.Contracts.Discovery.Authorization;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Compiles a listener's authorization once per snapshot: rules sorted by action, values parsed into patterns, address
/// ranges and ports. A value the data path could not evaluate (a bad address, a port out of range, a header match
/// without a name, an unknown attribute) rejects the config with its field path instead of matching nothing.
/// </summary>
internal static class AuthorizationCompiler
{
    public static AuthorizationModel Compile(AuthorizationConfig authorization, string path)
    {
        List<AuthorizationRuleModel> custom = [], deny = [], allow = [], audit = [], dryRunDeny = [], dryRunAllow = [];
        bool hasAllow = false, hasDryRunAllow = false;
        for (var p = 0; p < authorization.Policies.Count; p++)
        {
            var policy = authorization.Policies[p];
            var policyPath = $"{path}.authorization.policies[{p}] '{policy.Namespace}/{policy.Name}'";
            var rules = new List<AuthorizationRuleModel>(policy.Rules.Count);
            for (var r = 0; r < policy.Rules.Count; r++)
            {
                rules.Add(CompileRule(policy.Rules[r], $"ns[{policy.Namespace}]-policy[{policy.Name}]-rule[{r}]", $"{policyPath}.rules[{r}]"));
            }

            switch (policy.Action)
            {
                case AuthorizationAction.Allow when policy.DryRun:
                    hasDryRunAllow = true;
                    dryRunAllow.AddRange(rules);
                    break;
                case AuthorizationAction.Allow:
                    hasAllow = true;
                    allow.AddRange(rules);
                    break;
                // A dry-run CUSTOM policy records what it would deny: what it enforces, fail closed.
                case AuthorizationAction.Deny or AuthorizationAction.Custom when policy.DryRun:
                    dryRunDeny.AddRange(rules);
                    break;
                case AuthorizationAction.Deny:
                    deny.AddRange(rules);
                    break;
                case AuthorizationAction.Custom:
                    custom.AddRange(rules);
                    break;
                case AuthorizationAction.Audit:
                    audit.AddRange(rules);
                    break;
                default:
                    throw new ConfigRejectedException($"{policyPath}.action: unknown action {(int)policy.Action}");
            }
        }

        return new AuthorizationModel
        {
            Custom = [.. custom],
            Deny = [.. deny],
            Allow = [.. allow],
            HasAllowPolicy = hasAllow,
            Audit = [.. audit],
            DryRunDeny = [.. dryRunDeny],
            DryRunAllow = [.. dryRunAllow],
            HasDryRunAllowPolicy = hasDryRunAllow,
        };
    }

    private static AuthorizationRuleModel CompileRule(AuthorizationRule rule, string policyId, string path)
    {
        var from = new AuthorizationMatchModel[rule.From.Count][];
        for (var i = 0; i < from.Length; i++) from[i] = CompileMatches(rule.From[i].Matches, $"{path}.from[{i}]");
        var to = new AuthorizationMatchModel[rule.To.Count][];
        for (var i = 0; i < to.Length; i++) to[i] = CompileMatches(rule.To[i].Matches, $"{path}.to[{i}]");
        return new AuthorizationRuleModel(policyId, from, to, CompileMatches(rule.When, $"{path}.when"));
    }

    private static AuthorizationMatchModel[] CompileMatches(IReadOnlyList<AuthorizationMatch> matches, string path)
    {
        var compiled = new AuthorizationMatchModel[matches.Count];
        for (var i = 0; i < compiled.Length; i++) compiled[i] = CompileMatch(matches[i], $"{path}[{i}]");
        return compiled;
    }

    private static AuthorizationMatchModel CompileMatch(AuthorizationMatch match, string path)
    {
        if (match.Values.Count == 0) throw new ConfigRejectedException($"{path}.values: a match needs at least one value");
        switch (match.Attribute)
        {
            case AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp or AuthorizationAttribute.DestinationIp:
                var networks = new IPNetwork[match.Values.Count];
                for (var i = 0; i < networks.Length; i++) networks[i] = ParseNetwork(match.Values[i], $"{path}.values[{i}]");
                return new AuthorizationMatchModel { Attribute = match.Attribute, Negated = match.Negated, Networks = networks };
            case AuthorizationAttribute.DestinationPort:
                var ports = new int[match.Values.Count];
                for (var i = 0; i < ports.Length; i++)
                {
                    if (!int.TryParse(match.Values[i], NumberStyles.None, CultureInfo.InvariantCulture, out ports[i]) || ports[i] > 65535)
                    {
                        throw new ConfigRejectedException($"{path}.values[{i}]: '{match.Values[i]}' is not a port");
                    }
                }
                return new AuthorizationMatchModel { Attribute = match.Attribute, Negated = match.Negated, Ports = ports };
            case AuthorizationAttribute.Principal or AuthorizationAttribute.Namespace or AuthorizationAttribute.TrustDomain or AuthorizationAttribute.RequestPrincipal
                or AuthorizationAttribute.Host or AuthorizationAttribute.Method or AuthorizationAttribute.Path or AuthorizationAttribute.Header
                or AuthorizationAttribute.Sni or AuthorizationAttribute.Audience or AuthorizationAttribute.Presenter or AuthorizationAttribute.Claim:
                if (match.Attribute is AuthorizationAttribute.Header && match.Key.Count != 1 || match.Attribute is AuthorizationAttribute.Claim && match.Key.Count == 0)
                {
                    throw new ConfigRejectedException($"{path}.key: {match.Attribute} needs a {(match.Attribute is AuthorizationAttribute.Header ? "header name" : "claim path")}");
                }

                // Istio compares hosts (and SNI, a host name) without regard to case; everything else exactly.
                var ignoreCase = match.Attribute is AuthorizationAttribute.Host or AuthorizationAttribute.Sni;
                var patterns = new AuthorizationPattern[match.Values.Count];
                for (var i = 0; i < patterns.Length; i++)
                {
                    var value = match.Values[i];
                    patterns[i] = match.Attribute is AuthorizationAttribute.Path && AuthorizationPattern.IsPathTemplate(value)
                        ? AuthorizationPattern.PathTemplate(value)
                        : AuthorizationPattern.Parse(value, ignoreCase);
                }
                return new AuthorizationMatchModel { Attribute = match.Attribute, Negated = match.Negated, Key = [.. match.Key], Patterns = patterns };
            default:
                throw new ConfigRejectedException($"{path}.attribute: unknown attribute {(int)match.Attribute}");
        }
    }

    /// <summary>An address is a range of one (/32 or /128); a range's host bits are cleared, as Envoy's CidrRange does.</summary>
    private static IPNetwork ParseNetwork(string value, string path)
    {
        var slash = value.IndexOf('/');
        var addressText = slash < 0 ? value.AsSpan() : value.AsSpan(0, slash);
        if (IPAddress.TryParse(addressText, out var address))
        {
            var bytes = address.GetAddressBytes();
            var bits = bytes.Length * 8;
            var prefix = bits;
            if (slash < 0 || int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) && prefix <= bits)
            {
                for (var bit = prefix; bit < bits; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
                return new IPNetwork(new IPAddress(bytes), prefix);
            }
        }
        throw new ConfigRejectedException($"{path}: '{value}' is not an IP address or CIDR range");
    }
}
