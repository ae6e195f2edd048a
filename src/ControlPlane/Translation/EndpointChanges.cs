using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Whether a changed resource changed only services' endpoints, as a proxy sees them: a pod or WorkloadEntry coming,
/// going or changing, a Service's EndpointSlices, a ServiceEntry's inline endpoints or what its workloadSelector
/// selects. Such a change reaches a proxy's endpoints, and at most its outbound clusters (istiod's incremental EDS); its
/// listeners and routes read services, never their endpoints. Except for the proxy whose own workload it is, or whose
/// workload is an endpoint of the changed services: its inbound side is built from the services listing it.
/// </summary>
/// <remarks>
/// A sidecar listed by the changed services is regenerated whole even when its own listing stayed as it was (the
/// replicas of a Deployment that scales): a few proxies, for not having to mirror here what the inbound side reads of
/// its listing. Clusters may follow: a cluster's auto mTLS and the identities it accepts come from its endpoints
/// (<see cref="UpstreamTlsTranslator"/>); whether they did is judged once per key of proxies, by their bytes.
/// </remarks>
internal static class EndpointChanges
{
    /// <summary>
    /// The types such changes regenerate for a proxy they do not list: its endpoints, and its clusters where their
    /// bytes changed. Its inbound clusters do not read them, so its clusters changed only if its outbound ones did.
    /// </summary>
    public static ResourceTypes TypesAffected(Node node, MeshSnapshot previous, MeshSnapshot current) =>
        OutboundClusterBuilder.SameClusters(node, previous, current) ? ResourceTypes.Endpoints : ResourceTypes.Clusters | ResourceTypes.Endpoints;

    public static bool OnlyEndpoints(ConfigKey key, Node node, MeshSnapshot previous, MeshSnapshot current) => key.Kind switch
    {
        // Another workload is only ever an endpoint (ProxyContext finds the proxy's own by namespace and name).
        WorkloadEntry.KindName or PlatformRegistry.PodKind => key.Namespace != node.Namespace || key.Name != node.WorkloadName,
        ServiceEntry.KindName or PlatformRegistry.ServiceKind =>
            SameApartFromWorkloads(ServicesOf(key, previous), ServicesOf(key, current))
            && !ListsWorkload(previous, node, key) && !ListsWorkload(current, node, key),
        _ => false,
    };

    /// <summary>
    /// The services a ServiceEntry or Kubernetes Service key declares in the snapshot, as served (a host another
    /// namespace's entry, or a Service, holds is not this key's), in host order.
    /// </summary>
    private static List<ServiceModel> ServicesOf(ConfigKey key, MeshSnapshot snapshot)
    {
        var services = new List<ServiceModel>();
        if (key.Kind == PlatformRegistry.ServiceKind)
        {
            if (snapshot.PlatformServices.TryGetValue(key, out var platform)) services.Add(platform);
            return services;
        }
        if (snapshot.FindResource(key) is not ServiceEntry entry) return services;
        foreach (var host in entry.Spec.Hosts)
        {
            if (snapshot.FindService(host.ToLowerInvariant()) is { } service && IsDeclaredBy(service, key, snapshot)) services.Add(service);
        }
        services.Sort(static (a, b) => string.CompareOrdinal(a.Hostname, b.Hostname));
        return services;
    }

    /// <summary>Whether the service is one <paramref name="key"/> declares: the key's Kubernetes Service, or a host of its ServiceEntry.</summary>
    private static bool IsDeclaredBy(ServiceModel service, ConfigKey key, MeshSnapshot snapshot)
    {
        if (key.Kind == PlatformRegistry.ServiceKind) return snapshot.PlatformServices.TryGetValue(key, out var platform) && ReferenceEquals(platform, service);
        // A Kubernetes Service of the same name and namespace declares its own host, which no ServiceEntry can take.
        return service.Namespace == key.Namespace && service.ServiceEntryName == key.Name
            && !(snapshot.PlatformServices.TryGetValue(new ConfigKey(PlatformRegistry.ServiceKind, key.Namespace, key.Name), out var same) && ReferenceEquals(same, service));
    }

    private static bool SameApartFromWorkloads(List<ServiceModel> before, List<ServiceModel> after)
    {
        if (before.Count != after.Count) return false;
        for (var i = 0; i < before.Count; i++)
        {
            if (!before[i].SameApartFromWorkloads(after[i])) return false;
        }
        return true;
    }

    /// <summary>Whether the proxy's own workload is an endpoint of a service of <paramref name="key"/> in the snapshot.</summary>
    private static bool ListsWorkload(MeshSnapshot snapshot, Node node, ConfigKey key)
    {
        foreach (var (service, _) in snapshot.EndpointsNamed(node.Namespace, node.WorkloadName))
        {
            if (IsDeclaredBy(service, key, snapshot)) return true;
        }
        return false;
    }
}
