// Which workloads an Istio workload policy (AuthorizationPolicy, RequestAuthentication) applies to.
using Mesh.ControlPlane.Model;
using Mesh.Istio;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's scope: a policy in the root namespace applies mesh-wide, any other to its own namespace; within that scope a
/// policy without selector or targetRefs applies to every workload, one with a selector to the workloads whose labels
/// include it, one with targetRefs to the gateways they name. A targetRef names a Gateway API Gateway, which Istio
/// deploys with the label <c>gateway.networking.k8s.io/gateway-name: &lt;name&gt;</c> in the Gateway's namespace: here
/// it selects the proxies of the policy's namespace that carry that label (the validators refuse other kinds).
/// </summary>
internal static class PolicyScope
{
    /// <summary>The label Istio puts on the deployment of a Gateway API Gateway, naming it.</summary>
    public const string GatewayNameLabel = "gateway.networking.k8s.io/gateway-name";

    private const string GatewayApiGroup = "gateway.networking.k8s.io";

    public static bool Applies(
        string policyNamespace, LabelSelector? selector, PolicyTargetReference? targetRef, IReadOnlyList<PolicyTargetReference> targetRefs,
        string workloadNamespace, IReadOnlyDictionary<string, string> labels)
    {
        if (policyNamespace != MeshSettings.RootNamespace && policyNamespace != workloadNamespace) return false;
        if (targetRef is not null || targetRefs.Count > 0)
        {
            if (policyNamespace != workloadNamespace || !labels.TryGetValue(GatewayNameLabel, out var gatewayName)) return false;
            if (targetRef is not null && Names(targetRef, gatewayName, policyNamespace)) return true;
            foreach (var target in targetRefs)
            {
                if (Names(target, gatewayName, policyNamespace)) return true;
            }
            return false;
        }

        if (selector is not { MatchLabels.Count: > 0 }) return true;
        foreach (var (key, value) in selector.MatchLabels)
        {
            if (!labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }

    private static bool Names(PolicyTargetReference target, string gatewayName, string policyNamespace) =>
        target.Kind == "Gateway"
        && (target.Group ?? GatewayApiGroup) == GatewayApiGroup
        && target.Name == gatewayName
        && (string.IsNullOrEmpty(target.Namespace) || target.Namespace == policyNamespace);
}
