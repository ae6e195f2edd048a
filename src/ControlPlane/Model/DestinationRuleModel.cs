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

    /// <summary>Whether Istio merges the two rules (of one host and namespace): both without a selector, or with equal selectors.</summary>
    public static bool SameSelector(DestinationRuleModel left, DestinationRuleModel right)
    {
        if (left.Spec.WorkloadSelector is not { } a || right.Spec.WorkloadSelector is not { } b)
        {
            return left.Spec.WorkloadSelector is null && right.Spec.WorkloadSelector is null;
        }
        if (a.MatchLabels.Count != b.MatchLabels.Count) return false;
        foreach (var (key, value) in a.MatchLabels)
        {
            if (!b.MatchLabels.TryGetValue(key, out var other) || other != value) return false;
        }
        return true;
    }

    /// <summary>
    /// Several rules of one host and namespace as one, as Istio merges them (its mergeDestinationRule): the first's
    /// metadata and traffic policy (else the first later one's that has one), and the subsets of all, a name taken
    /// from the first rule that defines it (a later subset of the same name is dropped, as in Istio).
    /// </summary>
    public static DestinationRuleModel Merge(IReadOnlyList<DestinationRuleModel> rules)
    {
        var first = rules[0];
        var subsets = new List<Subset>(first.Spec.Subsets);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var subset in subsets) names.Add(subset.Name);
        var policy = first.Spec.TrafficPolicy;
        for (var i = 1; i < rules.Count; i++)
        {
            foreach (var subset in rules[i].Spec.Subsets)
            {
                if (names.Add(subset.Name)) subsets.Add(subset);
            }
            policy ??= rules[i].Spec.TrafficPolicy;
        }
        return first with { Resource = first.Resource with { Spec = first.Spec with { Subsets = subsets, TrafficPolicy = policy } } };
    }

    public Subset? FindSubset(string name)
    {
        foreach (var subset in Spec.Subsets)
        {
            if (subset.Name == name) return subset;
        }
        return null;
    }
}
