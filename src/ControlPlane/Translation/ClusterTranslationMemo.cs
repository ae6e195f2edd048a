using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A key's outbound cluster and endpoint assignment for one service port or subset, carried from one snapshot to the
/// next while nothing they are built from changed: a pod coming or going then rebuilds its own service's clusters for
/// each key of proxies, not all two thousand (more than half of what an endpoint change allocated at 1,000 services,
/// docs/performance.md "Clusters carried across snapshots").
/// </summary>
/// <remarks>
/// What <see cref="OutboundClusterBuilder"/> reads to build one: of the proxies, the key's locality, labels (when
/// clusters read them) and whether it is a gateway, which the key holds; the service, whole, its workloads too
/// (<see cref="ServiceModel.SameAs"/>); the DestinationRule found for it, known by its resource instance (a source gives
/// an unchanged resource the same instance, an edit a new one); and of the snapshot, the PeerAuthentications and which
/// workloads are WorkloadEntries (auto mTLS). A client credentialName reads Secrets or files, so those clusters are
/// never carried. Carried messages are only packed and read, never changed, so snapshots share them, packings and all.
/// An entry no build took is kept a few snapshots (a route change builds no clusters), then dropped.
/// </remarks>
internal sealed class ClusterTranslationMemo
{
    /// <summary>How many snapshots in a row an entry may go untaken before it is dropped.</summary>
    private const int SnapshotsKeptUntaken = 8;

    private static readonly ConditionalWeakTable<MeshSnapshot, ClusterTranslationMemo> BySnapshot = new();

    // Built or taken for this snapshot; each entry names this snapshot's service.
    private readonly ConcurrentDictionary<Key, Entry> _built = new();
    // From the snapshots before, each entry's service replaced by this snapshot's equal one.
    private readonly Dictionary<Key, Entry> _carried;

    private ClusterTranslationMemo(Dictionary<Key, Entry> carried) => _carried = carried;

    /// <summary>The memo of <paramref name="snapshot"/>: what <see cref="Carry"/> gave it, else an empty one.</summary>
    public static ClusterTranslationMemo For(MeshSnapshot snapshot) => BySnapshot.GetValue(snapshot, static _ => new ClusterTranslationMemo([]));

    /// <summary>
    /// Lets <paramref name="next"/> take what <paramref name="previous"/> built or carried for the services that are the
    /// same in both, when the PeerAuthentications are. Called before <paramref name="next"/> is published, so before any
    /// build for it; a stream still building for the previous snapshot may add entries this does not see.
    /// </summary>
    public static void Carry(MeshSnapshot? previous, MeshSnapshot next)
    {
        if (previous is null || !BySnapshot.TryGetValue(previous, out var memo) || !SameElements(previous.PeerAuthentications, next.PeerAuthentications)) return;
        var services = UnchangedServices(previous, next);
        var carried = new Dictionary<Key, Entry>(memo._carried.Count + memo._built.Count);
        foreach (var (key, entry) in memo._carried)
        {
            if (entry.Untaken < SnapshotsKeptUntaken && services.TryGetValue(entry.Service, out var same)) carried[key] = entry with { Service = same, Untaken = entry.Untaken + 1 };
        }
        foreach (var (key, entry) in memo._built)
        {
            if (services.TryGetValue(entry.Service, out var same)) carried[key] = entry with { Service = same, Untaken = 0 };
        }
        BySnapshot.AddOrUpdate(next, new ClusterTranslationMemo(carried));
    }

    /// <summary>
    /// The cluster and assignment carried for these inputs, when built with this same rule. Only an unchanged service's
    /// are carried (<see cref="Carry"/>), and a snapshot's services have distinct hosts, so the host names the service.
    /// </summary>
    public bool TryTake(OutboundClusterInputs inputs, ServiceModel service, uint port, string? subset, DestinationRule? rule,
        out Cluster cluster, out ClusterLoadAssignment assignment)
    {
        var key = new Key(inputs.Namespace, inputs.Locality, inputs.LabelsKey, inputs.IsGateway, service.Hostname, port, subset ?? "");
        if (_carried.TryGetValue(key, out var entry) && ReferenceEquals(entry.Rule, rule))
        {
            _built[key] = entry;
            (cluster, assignment) = (entry.Cluster, entry.Assignment);
            return true;
        }
        (cluster, assignment) = (null!, null!);
        return false;
    }

    /// <summary>Keeps what was built for these inputs, for the next snapshot.</summary>
    public void Keep(OutboundClusterInputs inputs, ServiceModel service, uint port, string? subset, DestinationRule? rule, Cluster cluster,
        ClusterLoadAssignment assignment) =>
        _built[new Key(inputs.Namespace, inputs.Locality, inputs.LabelsKey, inputs.IsGateway, service.Hostname, port, subset ?? "")] =
            new Entry(service, rule, cluster, assignment, 0);

    /// <summary>
    /// Each service of <paramref name="previous"/> that <paramref name="next"/> has the same (by host and namespace,
    /// <see cref="ServiceModel.SameAs"/>, and each workload a WorkloadEntry in both or in neither), with next's instance.
    /// </summary>
    private static Dictionary<ServiceModel, ServiceModel> UnchangedServices(MeshSnapshot previous, MeshSnapshot next)
    {
        var before = new Dictionary<(string Hostname, string Namespace), ServiceModel>(previous.Services.Count);
        foreach (var service in previous.Services) before.TryAdd((service.Hostname, service.Namespace), service);
        var unchanged = new Dictionary<ServiceModel, ServiceModel>(next.Services.Count, ReferenceEqualityComparer.Instance);
        foreach (var service in next.Services)
        {
            if (before.TryGetValue((service.Hostname, service.Namespace), out var was) && was.SameAs(service) && SameWorkloadEntries(previous, was, next, service))
            {
                unchanged.TryAdd(was, service);
            }
        }
        return unchanged;
    }

    private static bool SameWorkloadEntries(MeshSnapshot previous, ServiceModel was, MeshSnapshot next, ServiceModel service)
    {
        for (var i = 0; i < service.Workloads.Count; i++)
        {
            var (before, after) = (was.Workloads[i], service.Workloads[i]);
            if (ReferenceEquals(previous.FindWorkloadEntry(before.Namespace, before.Name), before) != ReferenceEquals(next.FindWorkloadEntry(after.Namespace, after.Name), after))
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameElements<T>(IReadOnlyList<T> before, IReadOnlyList<T> after)
        where T : class
    {
        if (before.Count != after.Count) return false;
        for (var i = 0; i < before.Count; i++)
        {
            if (!ReferenceEquals(before[i], after[i])) return false;
        }
        return true;
    }

    /// <summary>The proxies' inputs a cluster's build reads, and its service's host, port and subset (what its name is made of).</summary>
    private readonly record struct Key(string ProxyNamespace, string Locality, string LabelsKey, bool IsGateway, string Hostname, uint Port, string Subset);

    private sealed record Entry(ServiceModel Service, DestinationRule? Rule, Cluster Cluster, ClusterLoadAssignment Assignment, int Untaken);
}
