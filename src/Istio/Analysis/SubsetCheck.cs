using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's IST0173: a DestinationRule subset whose labels select none of its service's workloads, so
/// every request routed to it fails with 503 UH. Services without any workload are left alone (nothing to select).
/// </summary>
internal static class SubsetCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
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

    private static bool SelectsAny(IReadOnlyDictionary<string, string> selector, List<IReadOnlyDictionary<string, string>> workloads)
    {
        foreach (var labels in workloads)
        {
            if (MeshIndex.HasLabels(labels, selector)) return true;
        }

        return false;
    }
}
