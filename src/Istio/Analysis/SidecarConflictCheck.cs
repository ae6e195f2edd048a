using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's IST0111 (several Sidecars without a workload selector in one namespace) and IST0110 (several
/// Sidecars whose selectors select the same workload, here a WorkloadEntry). Istio applies the oldest; this mesh has no
/// creation times for Istio resources, so it applies the first by name, and each message says which.
/// </summary>
internal static class SidecarConflictCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        var byNamespace = new SortedDictionary<string, (List<Sidecar> Wide, List<Sidecar> Selecting)>(StringComparer.Ordinal);
        foreach (var sidecar in mesh.Sidecars)
        {
            if (!byNamespace.TryGetValue(sidecar.Metadata.Namespace, out var lists)) byNamespace[sidecar.Metadata.Namespace] = lists = ([], []);
            (sidecar.Spec.WorkloadSelector is null ? lists.Wide : lists.Selecting).Add(sidecar);
        }

        foreach (var (ns, (wide, selecting)) in byNamespace)
        {
            if (wide.Count > 1)
            {
                wide.Sort(ByName);
                foreach (var sidecar in wide)
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.MultipleSidecarsWithoutWorkloadSelectors, sidecar, "",
                        $"The Sidecars {Names(wide)} in namespace \"{ns}\" have no workload selector, which can lead to undefined behavior: this mesh applies {wide[0].Metadata.Name}."));
                }
            }

            if (selecting.Count < 2) continue;
            selecting.Sort(ByName);
            foreach (var workload in mesh.WorkloadEntries)
            {
                if (workload.Metadata.Namespace != ns) continue;
                var selected = new List<Sidecar>();
                foreach (var sidecar in selecting)
                {
                    if (MeshIndex.HasLabels(workload.Spec.Labels, sidecar.Spec.WorkloadSelector!.Labels)) selected.Add(sidecar);
                }

                if (selected.Count < 2) continue;
                foreach (var sidecar in selected)
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.ConflictingSidecarWorkloadSelectors, sidecar, "spec.workloadSelector",
                        $"The Sidecars {Names(selected)} in namespace \"{ns}\" select the same workload \"{workload.Metadata.Name}\", which can lead to undefined behavior: this mesh applies {selected[0].Metadata.Name}."));
                }
            }
        }
    }

    private static int ByName(Sidecar a, Sidecar b) => string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);

    private static string Names(List<Sidecar> sidecars)
    {
        var names = new string[sidecars.Count];
        for (var i = 0; i < sidecars.Count; i++) names[i] = sidecars[i].Metadata.Name;
        return "[" + string.Join(" ", names) + "]";
    }
}
