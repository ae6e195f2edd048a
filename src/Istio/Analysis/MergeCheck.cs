using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// MESH0003: what a DestinationRule loses to another of the same host and namespace. Such rules merge, as Istio merges
/// them (without a selector, or with equal selectors): the subsets of all, a name kept from the first rule that
/// defines it, and the first rule's trafficPolicy. A later rule's subset of a name already defined, or its
/// trafficPolicy where an earlier rule has one, is dropped. Istio counts the first in a metric and says nothing of the
/// second where a user looks.
/// </summary>
internal static class MergeCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        // The control plane takes the rules in namespace and name order, so "first" is by name.
        var ordered = new List<(string Host, DestinationRule Rule)>(mesh.DestinationRules);
        ordered.Sort(static (a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.Rule.Metadata.Namespace, b.Rule.Metadata.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Rule.Metadata.Name, b.Rule.Metadata.Name);
        });
        var firstDefinedBy = new Dictionary<string, DestinationRule>(StringComparer.Ordinal);
        foreach (var (host, rule) in ordered)
        {
            var group = $"{rule.Metadata.Namespace}\n{host}\n{SelectorKey(rule.Spec.WorkloadSelector)}\n";
            if (rule.Spec.TrafficPolicy is not null && !firstDefinedBy.TryAdd(group, rule))
            {
                var first = firstDefinedBy[group];
                messages.Add(AnalysisMessage.At(AnalysisMessageType.MergedDestinationRuleLoss, rule, "spec.trafficPolicy",
                    $"The traffic policy of {host} is DestinationRule {Name(first)}'s, which comes first by name: the rules merge, as in Istio, and this trafficPolicy is not applied."));
            }

            for (var i = 0; i < rule.Spec.Subsets.Count; i++)
            {
                var name = rule.Spec.Subsets[i].Name;
                if (!firstDefinedBy.TryAdd(group + "subset:" + name, rule) && firstDefinedBy[group + "subset:" + name] is { } first && !ReferenceEquals(first, rule))
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.MergedDestinationRuleLoss, rule, $"spec.subsets[{i}].name",
                        $"Subset {name} of {host} is defined first by DestinationRule {Name(first)}: the rules merge, as in Istio, and this subset is not served."));
                }
            }
        }
    }

    private static string Name(DestinationRule rule) => $"{rule.Metadata.Namespace}/{rule.Metadata.Name}";

    private static string SelectorKey(LabelSelector? selector)
    {
        if (selector is null) return "";
        var labels = new List<string>(selector.MatchLabels.Count);
        foreach (var (key, value) in selector.MatchLabels) labels.Add(key + "=" + value);
        labels.Sort(StringComparer.Ordinal);
        return "selector:" + string.Join(",", labels);
    }
}
