using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>A DestinationRule with its host resolved to an FQDN.</summary>
internal sealed record DestinationRuleModel(DestinationRule Resource, string Host)
{
    public string Namespace => Resource.Metadata.Namespace;
    public DestinationRuleSpec Spec => Resource.Spec;

    /// <summary>
    /// Whether the rule applies to a proxy's outbound traffic by its <c>workloadSelector</c>: a rule without one applies
    /// where it is exported; a rule with one only to the workloads it selects in its own namespace, as Istio's does
    /// (never across namespaces, whatever its exportTo).
    /// </summary>
    public static bool SelectsProxy(DestinationRule rule, string proxyNamespace, IReadOnlyDictionary<string, string> proxyLabels) =>
        rule.Spec.WorkloadSelector is not { } selector || (rule.Metadata.Namespace == proxyNamespace && selector.Selects(proxyLabels));

    public Subset? FindSubset(string name)
    {
        foreach (var subset in Spec.Subsets)
        {
            if (subset.Name == name) return subset;
        }
        return null;
    }
}
