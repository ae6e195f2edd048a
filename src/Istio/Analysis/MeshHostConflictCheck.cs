using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's IST0109: two VirtualServices for sidecars (the <c>mesh</c> gateway) that name the same host.
/// Istio's result is undefined; this mesh routes the host by the first one by namespace and name and ignores the rest.
/// </summary>
internal static class MeshHostConflictCheck
{
    public static void Check(MeshIndex mesh, List<AnalysisMessage> messages)
    {
        var byHost = new SortedDictionary<string, List<(VirtualService VirtualService, int HostIndex)>>(StringComparer.Ordinal);
        foreach (var virtualService in mesh.VirtualServices)
        {
            if (!AppliesToSidecars(virtualService)) continue;
            var hosts = virtualService.Spec.Hosts;
            for (var i = 0; i < hosts.Count; i++)
            {
                var host = HostNameRules.Resolve(hosts[i], virtualService.Metadata.Namespace);
                if (!byHost.TryGetValue(host, out var list)) byHost[host] = list = [];
                if (!list.Exists(e => ReferenceEquals(e.VirtualService, virtualService))) list.Add((virtualService, i));
            }
        }

        foreach (var (host, list) in byHost)
        {
            if (list.Count < 2) continue;
            list.Sort(static (a, b) => string.CompareOrdinal(Name(a.VirtualService), Name(b.VirtualService)));
            var names = string.Join(",", list.ConvertAll(e => Name(e.VirtualService)));
            foreach (var (virtualService, hostIndex) in list)
            {
                messages.Add(AnalysisMessage.At(AnalysisMessageType.ConflictingMeshGatewayVirtualServiceHosts, virtualService, $"spec.hosts[{hostIndex}]",
                    $"The VirtualServices {names} associated with mesh gateway define the same host {host} which can lead to undefined behavior. "
                    + $"This can be fixed by merging the conflicting VirtualServices into a single resource (this mesh routes the host by {Name(list[0].VirtualService)} alone)."));
            }
        }
    }

    private static bool AppliesToSidecars(VirtualService virtualService)
    {
        if (virtualService.Spec.Gateways.Count == 0) return true;
        foreach (var gateway in virtualService.Spec.Gateways)
        {
            if (gateway == HostNameRules.MeshGateway) return true;
        }

        return false;
    }

    private static string Name(VirtualService virtualService) => $"{virtualService.Metadata.Namespace}/{virtualService.Metadata.Name}";
}
