using Mesh.Istio.Loading;
using Mesh.Istio.Security;

namespace Mesh.Istio.Validation;

/// <summary>
/// Istio's ValidateAuthorizationPolicy: targeting, action and provider, and each rule's sources, operations and
/// conditions; plus what this mesh does differently: a targetRef other than a Gateway is an error, CUSTOM and the
/// experimental condition keys are warnings saying how they fail closed (see docs/security.md).
/// </summary>
internal static class AuthorizationPolicyValidator
{
    public static void Validate(AuthorizationPolicySpec spec, FieldProblems p)
    {
        CommonRules.PolicyTargets(spec.Selector, spec.TargetRef, spec.TargetRefs, p);

        if (spec.Action == AuthorizationPolicyAction.Custom)
        {
            // A warning, not an error: refused, the policy would vanish and its workloads would fail open.
            p.Warning("spec.action", "CUSTOM (external authorization) is not supported in this mesh: requests its rules match are denied with 403 (fail closed)");
        }

        if (spec.Action == AuthorizationPolicyAction.Custom && spec.Provider is null)
        {
            p.Error("spec.provider", "Required value: must specify provider for CUSTOM action");
        }
        else if (spec.Action != AuthorizationPolicyAction.Custom && spec.Provider is not null)
        {
            p.Error("spec.provider", "Invalid value: provider must only be specified for CUSTOM action");
        }

        for (var i = 0; i < spec.Rules.Count; i++)
        {
            Rule(spec.Rules[i], FieldPaths.Index("spec.rules", i), p);
        }
    }

    private static void Rule(Rule rule, string path, FieldProblems p)
    {
        for (var i = 0; i < rule.From.Count; i++)
        {
            var fromPath = FieldPaths.Index(FieldPaths.Field(path, "from"), i);
            if (rule.From[i].Source is not { } source)
            {
                p.Error(FieldPaths.Field(fromPath, "source"), "Required value: `from.source` must not be nil");
                continue;
            }

            var sourcePath = FieldPaths.Field(fromPath, "source");
            if ((source.ServiceAccounts.Count > 0 || source.NotServiceAccounts.Count > 0)
                && (source.Namespaces.Count > 0 || source.NotNamespaces.Count > 0 || source.Principals.Count > 0 || source.NotPrincipals.Count > 0))
            {
                p.Error(sourcePath, "Invalid value: Cannot set serviceAccounts with namespaces or principals");
            }

            IpBlocks(source.IpBlocks, FieldPaths.Field(sourcePath, "ipBlocks"), p);
            IpBlocks(source.NotIpBlocks, FieldPaths.Field(sourcePath, "notIpBlocks"), p);
            IpBlocks(source.RemoteIpBlocks, FieldPaths.Field(sourcePath, "remoteIpBlocks"), p);
            IpBlocks(source.NotRemoteIpBlocks, FieldPaths.Field(sourcePath, "notRemoteIpBlocks"), p);
        }

        for (var i = 0; i < rule.To.Count; i++)
        {
            var toPath = FieldPaths.Index(FieldPaths.Field(path, "to"), i);
            if (rule.To[i].Operation is not { } operation)
            {
                p.Error(FieldPaths.Field(toPath, "operation"), "Required value: `to.operation` must not be nil");
                continue;
            }

            var operationPath = FieldPaths.Field(toPath, "operation");
            Ports(operation.Ports, FieldPaths.Field(operationPath, "ports"), p);
            Ports(operation.NotPorts, FieldPaths.Field(operationPath, "notPorts"), p);
        }

        for (var i = 0; i < rule.When.Count; i++)
        {
            var condition = rule.When[i];
            var whenPath = FieldPaths.Index(FieldPaths.Field(path, "when"), i);
            if (condition.Key.Length == 0)
            {
                p.Error(FieldPaths.Field(whenPath, "key"), "Required value: key cannot be empty");
            }
            else if (ConditionKey.Parse(condition.Key, out var keyError) is not { } key)
            {
                p.Error(FieldPaths.Field(whenPath, "key"), $"Invalid value: {keyError}");
            }
            else if (!key.IsEvaluable)
            {
                p.Warning(FieldPaths.Field(whenPath, "key"), $"\"{condition.Key}\" is not supported in this mesh (no Envoy filter metadata): "
                    + "an ALLOW or AUDIT rule with it never matches, a DENY or CUSTOM rule matches as if it held (fail closed)");
            }

            if (condition.Values.Count == 0 && condition.NotValues.Count == 0)
            {
                p.Error(whenPath, $"Required value: at least one of values or notValues must be set for key {condition.Key}");
            }

            if (condition.Key is "source.ip" or "remote.ip" or "destination.ip")
            {
                IpBlocks(condition.Values, FieldPaths.Field(whenPath, "values"), p);
                IpBlocks(condition.NotValues, FieldPaths.Field(whenPath, "notValues"), p);
            }
            else if (condition.Key == "destination.port")
            {
                Ports(condition.Values, FieldPaths.Field(whenPath, "values"), p);
                Ports(condition.NotValues, FieldPaths.Field(whenPath, "notValues"), p);
            }
        }
    }

    private static void IpBlocks(IReadOnlyList<string> blocks, string path, FieldProblems p)
    {
        for (var i = 0; i < blocks.Count; i++)
        {
            if (!CommonRules.IsIpOrCidr(blocks[i]))
            {
                p.Error(FieldPaths.Index(path, i), $"Invalid value: \"{blocks[i]}\": invalid IP address or CIDR range");
            }
        }
    }

    private static void Ports(IReadOnlyList<string> ports, string path, FieldProblems p)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            if (!uint.TryParse(ports[i], out var port) || port is 0 or > 65535)
            {
                p.Error(FieldPaths.Index(path, i), $"Invalid value: \"{ports[i]}\": {CommonRules.PortRangeMessage}");
            }
        }
    }
}
