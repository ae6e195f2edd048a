using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A sidecar's translated routes of one VirtualService, carried from one snapshot to the next while nothing they
/// depend on changed: a change to one VirtualService of a thousand then translates one, not a thousand for every key
/// of proxies (half of what a change allocated at 1,000 services, docs/performance.md "What a change allocates").
/// Likewise its outbound route configuration's parts: a part equal to the last snapshot's is that part, already
/// packed, so a change packs and hashes the parts it changed, not every part of every key again.
/// </summary>
/// <remarks>
/// What <see cref="HttpRouteTranslator.Translate"/> reads, for a sidecar: the VirtualService, the proxy's namespace,
/// labels and listener port, which the key holds; and of the snapshot only the services it sees, by host, for their
/// ports (<see cref="RouteActionTranslator.DestinationCluster"/>, mirrors alike). So routes are carried only when the
/// next snapshot's services are the same in those respects (<see cref="SameForRoutes"/>), and a VirtualService is
/// known by its resource instance: a source gives an unchanged resource the same instance, an edit a new one, and a
/// merged delegation a new one on every snapshot (never carried, always translated). Routes are messages that are only
/// packed and read, never changed, so snapshots can share them. A part is taken over only when it equals the one
/// built now (<see cref="SidecarPart"/>), whatever changed, so its key only has to find it. Entries last one snapshot
/// past their last use.
/// <para>
/// A destination namespace's parts are even carried whole, unwalked (<see cref="CarriedNamespace"/>), when no
/// VirtualService naming one of its hosts changed and every service is the same apart from its workloads
/// (<see cref="UnchangedNamespaces"/>): a change to one VirtualService then walks its own namespace's services for
/// each key of proxies, not all thousand (the walk was a quarter of a route change's CPU at 1,000 proxies,
/// docs/performance.md "A namespace's walk carried"). Only for proxies no Sidecar resource scopes: the key names no
/// scope, and a scope's imports differ between Sidecars and change with an edit of one.
/// </para>
/// </remarks>
internal sealed class RouteTranslationMemo
{
    private static readonly ConditionalWeakTable<MeshSnapshot, RouteTranslationMemo> BySnapshot = new();

    private readonly ConcurrentDictionary<Key, IReadOnlyList<Route>> _routes = new();
    private readonly ConcurrentDictionary<Key, IReadOnlyList<Route>>? _carried;
    private readonly ConcurrentDictionary<PartKey, RouteConfiguration> _parts = new();
    private readonly Dictionary<PartKey, RouteConfiguration>? _carriedParts;
    private readonly ConcurrentDictionary<NamespaceKey, RouteConfiguration[]> _namespaces = new();
    private readonly Dictionary<NamespaceKey, RouteConfiguration[]>? _carriedNamespaces;
    // Destination namespaces whose virtual hosts no key's walk can find changed; null: none.
    private readonly IReadOnlySet<string>? _unchangedNamespaces;

    private RouteTranslationMemo(ConcurrentDictionary<Key, IReadOnlyList<Route>>? carried, Dictionary<PartKey, RouteConfiguration>? carriedParts,
        Dictionary<NamespaceKey, RouteConfiguration[]>? carriedNamespaces, IReadOnlySet<string>? unchangedNamespaces)
    {
        _carried = carried;
        _carriedParts = carriedParts;
        _carriedNamespaces = carriedNamespaces;
        _unchangedNamespaces = unchangedNamespaces;
    }

    /// <summary>The memo of <paramref name="snapshot"/>: what <see cref="Carry"/> gave it, else an empty one.</summary>
    public static RouteTranslationMemo For(MeshSnapshot snapshot) => BySnapshot.GetValue(snapshot, static _ => new RouteTranslationMemo(null, null, null, null));

    /// <summary>
    /// Lets <paramref name="next"/> take the routes <paramref name="previous"/> translated, when its services are the
    /// same for routes, and the parts it built, packed (the packing is kept on each). Called before <paramref name="next"/> is published,
    /// so before any translation of it.
    /// </summary>
    public static void Carry(MeshSnapshot? previous, MeshSnapshot next)
    {
        if (previous is null || !BySnapshot.TryGetValue(previous, out var memo)) return;
        // A stream may still be building for the previous snapshot: what it has not finished is not carried.
        var parts = new Dictionary<PartKey, RouteConfiguration>(memo._parts.Count);
        foreach (var (key, part) in memo._parts)
        {
            if (SharedTranslation.PackingOf(part) is not null) parts[key] = part;
        }
        var unchanged = UnchangedNamespaces(previous, next);
        Dictionary<NamespaceKey, RouteConfiguration[]>? namespaces = null;
        if (unchanged is not null)
        {
            namespaces = new Dictionary<NamespaceKey, RouteConfiguration[]>(memo._namespaces.Count);
            foreach (var (key, built) in memo._namespaces)
            {
                if (Array.TrueForAll(built, static part => SharedTranslation.PackingOf(part) is not null)) namespaces[key] = built;
            }
        }
        BySnapshot.AddOrUpdate(next, new RouteTranslationMemo(SameForRoutes(previous.Services, next.Services) ? memo._routes : null, parts, namespaces, unchanged));
    }

    /// <summary>
    /// The parts of the outbound route configuration that <paramref name="inputs"/>' proxies were given for
    /// <paramref name="destinationNamespace"/>'s services in the last snapshot, when nothing they are built from
    /// changed (taken for this snapshot too, so they carry on); null when its services must be walked.
    /// </summary>
    public RouteConfiguration[]? CarriedNamespace(string destinationNamespace, OutboundRouteInputs inputs)
    {
        if (_unchangedNamespaces is null || inputs.Scope.Sidecar is not null || !_unchangedNamespaces.Contains(destinationNamespace)) return null;
        var key = new NamespaceKey(destinationNamespace, inputs.Namespace, inputs.LabelsKey, inputs.Captured);
        if (!_carriedNamespaces!.TryGetValue(key, out var carried)) return null;
        _namespaces[key] = carried;
        foreach (var part in carried) _parts[new PartKey(part.Name, inputs.Namespace, inputs.LabelsKey, inputs.Captured, null)] = part;
        return carried;
    }

    /// <summary>Keeps the parts built for <paramref name="destinationNamespace"/>'s services (after <see cref="SidecarPart"/>), for the next snapshot.</summary>
    public void BuiltNamespace(string destinationNamespace, OutboundRouteInputs inputs, RouteConfiguration[] parts)
    {
        if (inputs.Scope.Sidecar is null) _namespaces[new NamespaceKey(destinationNamespace, inputs.Namespace, inputs.LabelsKey, inputs.Captured)] = parts;
    }

    /// <summary>
    /// The namespaces of <paramref name="next"/>'s services whose sidecar virtual hosts are as in <paramref name="previous"/>
    /// for every key of proxies no Sidecar scopes; null when none can be said to be. Each virtual host is built from its
    /// service (host, ports, addresses, exportTo: every service the same apart from its workloads, in the same order,
    /// as the addresses a captured proxy's hosts claim go to the first service that has them), the mesh VirtualService
    /// found for its host, and that VirtualService's routes, which read services alone (carried likewise). So a
    /// namespace changes only where a VirtualService added, removed or edited names one of its hosts, exactly or by a
    /// wildcard: a VirtualService is known by its resource instance, as above.
    /// </summary>
    internal static IReadOnlySet<string>? UnchangedNamespaces(MeshSnapshot previous, MeshSnapshot next)
    {
        var (before, after) = (previous.Services, next.Services);
        if (before.Count != after.Count) return null;
        for (var i = 0; i < before.Count; i++)
        {
            if (!before[i].SameApartFromWorkloads(after[i])) return null;
        }
        var changedHosts = new List<string>();
        AddHostsNotIn(previous.VirtualServicesFor(HostNames.MeshGateway), next.VirtualServicesFor(HostNames.MeshGateway), changedHosts);
        AddHostsNotIn(next.VirtualServicesFor(HostNames.MeshGateway), previous.VirtualServicesFor(HostNames.MeshGateway), changedHosts);
        var unchanged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in after) unchanged.Add(service.Namespace);
        foreach (var service in after)
        {
            foreach (var host in changedHosts)
            {
                if (host == service.Hostname || (HostNames.IsWildcard(host) && HostNames.IsSubsetOf(service.Hostname, host))) unchanged.Remove(service.Namespace);
            }
        }
        return unchanged;
    }

    /// <summary>The hosts of each of <paramref name="virtualServices"/> whose resource instance <paramref name="others"/> does not hold.</summary>
    private static void AddHostsNotIn(IReadOnlyList<VirtualServiceModel> virtualServices, IReadOnlyList<VirtualServiceModel> others, List<string> hosts)
    {
        var held = new HashSet<VirtualService>(ReferenceEqualityComparer.Instance);
        foreach (var other in others) held.Add(other.Resource);
        foreach (var virtualService in virtualServices)
        {
            if (!held.Contains(virtualService.Resource)) hosts.AddRange(virtualService.Hosts);
        }
    }

    /// <summary>
    /// <see cref="HttpRouteTranslator.Translate"/> for a sidecar (the mesh gateway only), or what this snapshot or the
    /// one before translated for the same inputs.
    /// </summary>
    public IReadOnlyList<Route> SidecarRoutes(VirtualServiceModel virtualService, OutboundRouteInputs inputs, IReadOnlySet<string> meshOnly, uint port,
        MeshSnapshot snapshot)
    {
        var key = new Key(virtualService.Resource, inputs.Namespace, inputs.LabelsKey, port);
        if (_routes.TryGetValue(key, out var routes)) return routes;
        if (_carried is null || !_carried.TryGetValue(key, out routes))
        {
            routes = HttpRouteTranslator.Translate(virtualService, inputs.Namespace, inputs.Labels, meshOnly, port, snapshot);
        }
        return _routes.GetOrAdd(key, routes);
    }

    /// <summary>
    /// The part of a sidecar's outbound route configuration the last snapshot built for the same proxies, packed, when
    /// it equals <paramref name="built"/>; else <paramref name="built"/>.
    /// </summary>
    public RouteConfiguration SidecarPart(RouteConfiguration built, OutboundRouteInputs inputs)
    {
        var key = new PartKey(built.Name, inputs.Namespace, inputs.LabelsKey, inputs.Captured, inputs.Scope.Sidecar?.Key);
        var part = built;
        // Equal routes are mostly the same instances (carried above), which equality compares by reference first.
        if (_carriedParts is not null && _carriedParts.TryGetValue(key, out var carried) && carried.Equals(built)) part = carried;
        _parts[key] = part;
        return part;
    }

    /// <summary>Whether two snapshots' services agree on all that route translation reads: host, namespace, exportTo, port numbers.</summary>
    internal static bool SameForRoutes(IReadOnlyList<ServiceModel> before, IReadOnlyList<ServiceModel> after)
    {
        if (before.Count != after.Count) return false;
        for (var i = 0; i < before.Count; i++)
        {
            var (a, b) = (before[i], after[i]);
            if (a.Hostname != b.Hostname || a.Namespace != b.Namespace || !a.ExportTo.SequenceEqual(b.ExportTo) || a.Ports.Count != b.Ports.Count) return false;
            for (var p = 0; p < a.Ports.Count; p++)
            {
                if (a.Ports[p].Number != b.Ports[p].Number) return false;
            }
        }
        return true;
    }

    /// <summary>A VirtualService by instance, and the inputs of the proxy that its translation reads.</summary>
    private readonly record struct Key(VirtualService Resource, string ProxyNamespace, string LabelsKey, uint Port)
    {
        public bool Equals(Key other) =>
            ReferenceEquals(Resource, other.Resource) && ProxyNamespace == other.ProxyNamespace && LabelsKey == other.LabelsKey && Port == other.Port;

        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Resource), ProxyNamespace, LabelsKey, Port);
    }

    /// <summary>
    /// A part by name and the proxies it was built for, as stable from one snapshot to the next as their inputs
    /// (<see cref="OutboundRouteInputs"/>, whose Sidecar scope is known here by its resource's key, not its instance).
    /// </summary>
    private readonly record struct PartKey(string Name, string ProxyNamespace, string LabelsKey, bool Captured, ConfigKey? Sidecar);

    /// <summary>A destination namespace's parts for the proxies no Sidecar scopes, by what else their key holds.</summary>
    private readonly record struct NamespaceKey(string DestinationNamespace, string ProxyNamespace, string LabelsKey, bool Captured);
}
