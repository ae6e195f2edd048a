using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's IST0173: a DestinationRule subset whose labels select none of its service's workloads, so
/// every request routed to it fails with 503 UH. Services without any workload are left alone (nothing to select).
/// And MESH0003: a subset name that another rule of the same host and namespace defines first. Such rules merge, as
/// Istio merges them, and the later subset is dropped (Istio counts it in a metric, and says nothing where a user looks).
/// </summary>
internal static class SubsetCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        NotSelectingAny(mesh, messages);
        DuplicateNames(mesh, messages);
    }

    private static void NotSelectingAny(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        foreach (var (host, rule) in mesh.DestinationRules)
        {
            if (rule.Spec.Subsets.Count == 0 || mesh.FindService(host) is not { } service) continue;
            var workloads = mesh.WorkloadLabels(service);
            if (workloads.Count == 0) continue;
            for (var i = 0; i < rule.Spec.Subsets.Count; i++)
            {
                var subset = rule.Spec.Subsets[i];
                if (!SelectsAny(subset.Labels, workloads))
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.DestinationRuleSubsetNotSelectPods, rule, $"spec.subsets[{i}]",
                        $"The Subset {subset.Name} defined in the DestinationRule does not select any workload of {host}, which may lead to 503 UH (NoHealthyUpstream)."));
                }
            }
        }
    }

    /// <summary>
    /// Rules merge when they share host and namespace and have no selector, or equal selectors; the control plane takes
    /// them in namespace and name order, so the first by name defines a subset.
    /// </summary>
    private static void DuplicateNames(MeshIndex mesh, List<AnalysisMessage> messages)
    {
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
            for (var i = 0; i < rule.Spec.Subsets.Count; i++)
            {
                var name = rule.Spec.Subsets[i].Name;
                if (!firstDefinedBy.TryAdd(group + name, rule) && firstDefinedBy[group + name] is { } first && !ReferenceEquals(first, rule))
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.DuplicateSubset, rule, $"spec.subsets[{i}].name",
                        $"Subset {name} of {host} is defined first by DestinationRule {first.Metadata.Namespace}/{first.Metadata.Name}: the rules merge, as in Istio, and this subset is not served."));
                }
            }
        }
    }

    private static string SelectorKey(LabelSelector? selector)
    {
        if (selector is null) return "";
        var labels = new List<string>(selector.MatchLabels.Count);
        foreach (var (key, value) in selector.MatchLabels) labels.Add(key + "=" + value);
        labels.Sort(StringComparer.Ordinal);
        return "selector:" + string.Join(",", labels);
    }

    private static bool SelectsAny(IReadOnlyDictionary<string, string> selector, List<IReadOnlyDictionary<string, string>> workloads)
    {
        foreach (var labels in workloads)
        {
            if (MeshIndex.HasLabels(labels, selector)) return true;
        }

        return false;
    }
}
