// Which AuthorizationPolicies apply to a proxy, with Istio's scoping rules.
using Mesh.Istio;
using Mesh.Istio.Security;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>The AuthorizationPolicies whose scope (<see cref="PolicyScope"/>) takes in a proxy's workload, in snapshot order.</summary>
internal static class AuthorizationPolicyResolver
{
    public static List<AuthorizationPolicy> PoliciesFor(ProxyContext proxy, MeshSnapshot snapshot)
    {
        var applying = new List<AuthorizationPolicy>();
        foreach (var policy in snapshot.AuthorizationPolicies)
        {
            if (Applies(policy, proxy.Namespace, proxy.Labels)) applying.Add(policy);
        }
        return applying;
    }

    public static bool Applies(AuthorizationPolicy policy, string workloadNamespace, IReadOnlyDictionary<string, string> labels) =>
        PolicyScope.Applies(policy.Metadata.Namespace, policy.Spec.Selector, policy.Spec.TargetRef, policy.Spec.TargetRefs, workloadNamespace, labels);
}
