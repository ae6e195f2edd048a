// Which AuthorizationPolicies apply to a proxy, with Istio's scoping rules.
using Mesh.Istio;
using Mesh.Istio.Security;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's scope: a policy in the root namespace applies mesh-wide, any other to its own namespace; within that scope a
/// policy without selector or targetRefs applies to every workload, one with a selector to the workloads whose labels
/// include it, one with targetRefs to the gateways they name. A targetRef names a Gateway API Gateway, which Istio
/// deploys with the label <c>gateway.networking.k8s.io/gateway-name: &lt;name&gt;</c> in the Gateway's namespace: here
/// it selects the gateway proxies of the policy's namespace that carry that label (the validator refuses other kinds).
/// </summary>
internal static class AuthorizationPolicyResolver
{
    /// <summary>The label Istio puts on the deployment of a Gateway API Gateway, naming it.</summary>
    public const string GatewayNameLabel = "gateway.networking.k8s.io/gateway-name";

    public static List<AuthorizationPolicy> PoliciesFor(ProxyContext proxy, MeshSnapshot snapshot, bool isGateway)
    {
        var applying = new List<AuthorizationPolicy>();
        foreach (var policy in snapshot.AuthorizationPolicies)
        {
            var ns = policy.Metadata.Namespace;
            if (ns != PeerAuthenticationResolver.RootNamespace && ns != proxy.Namespace) continue;
            if (Applies(policy.Spec, ns, proxy, isGateway)) applying.Add(policy);
        }
        return applying;
    }

    private static bool Applies(AuthorizationPolicySpec spec, string policyNamespace, ProxyContext proxy, bool isGateway)
    {
        if (spec.TargetRef is not null || spec.TargetRefs.Count > 0)
        {
            if (!isGateway || policyNamespace != proxy.Namespace || !proxy.Labels.TryGetValue(GatewayNameLabel, out var gatewayName)) return false;
            if (spec.TargetRef is { } single && Names(single, gatewayName, policyNamespace)) return true;
            foreach (var target in spec.TargetRefs)
            {
                if (Names(target, gatewayName, policyNamespace)) return true;
            }
            return false;
        }

        if (spec.Selector is not { MatchLabels.Count: > 0 } selector) return true;
        foreach (var (key, value) in selector.MatchLabels)
        {
            if (!proxy.Labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }

    private static bool Names(PolicyTargetReference target, string gatewayName, string policyNamespace) =>
        target.Kind == "Gateway" && target.Name == gatewayName && (target.Namespace is null || target.Namespace == policyNamespace);
}
