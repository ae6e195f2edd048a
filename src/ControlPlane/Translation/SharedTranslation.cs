using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Resources translated once per snapshot and shared by every proxy whose inputs to them are equal, as istiod's
/// xDS cache does: a thousand sidecars of ten namespaces need ten outbound route configurations, not a thousand. Each
/// shared resource is also packed and hashed once, so no stream serializes or hashes it again.
/// </summary>
/// <remarks>
/// A key is exact when the function that builds the resource can read nothing of the proxy but the key: the key types
/// (<see cref="OutboundRouteInputs"/>, <see cref="OutboundClusterInputs"/>) are what those functions take in place of
/// the proxy. The cache lives as long as its snapshot, so an entry never outlives the config it was built from.
/// Concurrent streams asking for one key wait for one build.
/// </remarks>
internal sealed class SharedTranslation
{
    private static readonly ConditionalWeakTable<MeshSnapshot, SharedTranslation> BySnapshot = new();

    private readonly ConcurrentDictionary<object, Lazy<object>> _builds = new();
    private readonly ConcurrentDictionary<(string Hostname, uint Port, bool InServiceNamespace), string[]> _sidecarDomains = new();
    // Every resource a build kept a packing on: what the next snapshot may take packings from.
    private readonly ConcurrentQueue<IMessage> _kept = new();
    // The last snapshot's packings; dropped once the snapshot after this one is built, when no one builds for this one.
    private CarriedPackings? _carried;

    private SharedTranslation(MeshSnapshot snapshot, CarriedPackings? carried = null)
    {
        _carried = carried;
        foreach (var virtualService in snapshot.VirtualServices)
        {
            foreach (var route in virtualService.Spec.Http)
            {
                foreach (var match in route.Match) RoutesMatchSourceLabels |= match.SourceLabels.Count > 0;
            }
            foreach (var route in virtualService.Spec.Tcp)
            {
                foreach (var match in route.Match) RoutesMatchSourceLabels |= match.SourceLabels.Count > 0;
            }
            HasTcpRoutes |= virtualService.Spec.Tcp.Count > 0;
        }
        foreach (var rule in snapshot.DestinationRules) ClustersReadLabels |= LoadBalancerTranslator.ReadsProxyLabels(rule.Spec);
    }

    /// <summary>The cache of <paramref name="snapshot"/>, made on first use.</summary>
    public static SharedTranslation For(MeshSnapshot snapshot) => BySnapshot.GetValue(snapshot, static snapshot => new SharedTranslation(snapshot));

    /// <summary>
    /// Lets <paramref name="next"/>'s builds take the packings of <paramref name="previous"/>'s resources they equal
    /// (<see cref="CarriedPackings"/>). Called before <paramref name="next"/> is published, so before any build for it.
    /// </summary>
    public static void Carry(MeshSnapshot? previous, MeshSnapshot next)
    {
        if (previous is null || !BySnapshot.TryGetValue(previous, out var before)) return;
        // A stream still building for the previous snapshot finds nothing carried, and packs what it builds itself.
        Volatile.Write(ref before._carried, null);
        BySnapshot.TryAdd(next, new SharedTranslation(next, CarriedPackings.Of(before._kept)));
    }

    /// <summary>
    /// Whether some VirtualService route (http, or tcp for a captured sidecar's listeners) matches on <c>sourceLabels</c>:
    /// only then do a proxy's labels shape its routes (its VirtualServices are among the snapshot's, delegates merged in).
    /// </summary>
    public bool RoutesMatchSourceLabels { get; }

    /// <summary>Whether some VirtualService has <c>tcp</c> routes: only then do VirtualServices shape a sidecar's listeners.</summary>
    public bool HasTcpRoutes { get; }

    /// <summary>Whether some DestinationRule's failoverPriority takes a value from the proxy's labels: only then do they shape its clusters.</summary>
    public bool ClustersReadLabels { get; }

    /// <summary>How many builds were made: one per distinct key.</summary>
    public int Count => _builds.Count;

    /// <summary>The resource for <paramref name="key"/>, built by <paramref name="build"/> the first time this key is asked for.</summary>
    /// <param name="key">A value with structural equality holding every proxy input <paramref name="build"/> reads.</param>
    public TResource GetOrBuild<TKey, TArg, TResource>(TKey key, TArg arg, Func<TKey, TArg, TResource> build)
        where TKey : notnull
        where TResource : class, IMessage =>
        GetOrBuild(key, arg, build, static resource => [resource]);

    /// <summary>A build of several resources (<paramref name="resourcesOf"/> lists them), made the first time this key is asked for.</summary>
    public TResult GetOrBuild<TKey, TArg, TResult>(TKey key, TArg arg, Func<TKey, TArg, TResult> build, Func<TResult, IEnumerable<IMessage>> resourcesOf)
        where TKey : notnull
        where TResult : class
    {
        var entry = _builds.GetOrAdd(key, _ => new Lazy<object>(() =>
        {
            var result = build(key, arg);
            foreach (var resource in resourcesOf(result)) Keep(resource);
            return result;
        }));
        return (TResult)entry.Value;
    }

    /// <summary>
    /// A sidecar's domains for a service port (<see cref="SidecarDomains.For"/>), made once per snapshot for the proxies
    /// in the service's namespace and once for all the others, not once per key of proxies (ten keys at ten namespaces).
    /// </summary>
    public string[] SidecarDomainsOf(string hostname, uint port, string proxyNamespace) =>
        _sidecarDomains.GetOrAdd((hostname, port, SidecarDomains.IsServiceNamespace(hostname, proxyNamespace)),
            static (key, proxyNamespace) => [.. SidecarDomains.For(key.Hostname, key.Port, proxyNamespace)], proxyNamespace);

    /// <summary>The packing of a resource some build shares, done or not; null for a resource of one proxy's own.</summary>
    /// <remarks>Kept on the resource (<see cref="IPackingSlot"/>): a resource's packing is its content's, whichever snapshot shares it.</remarks>
    public static Lazy<PackedResource>? PackingOf(IMessage resource) => (resource as IPackingSlot)?.Packing as Lazy<PackedResource>;

    /// <summary>The packed form of a resource some build shares, packed and hashed once; null for a resource of one proxy's own.</summary>
    public static PackedResource? PackedOf(IMessage resource) => PackingOf(resource)?.Value;

    /// <summary>
    /// Keeps a packing on a resource a build shares, unless it has one (a route part the last snapshot built and
    /// <see cref="RouteTranslationMemo"/> carried keeps its own): that of an equal resource the last snapshot packed,
    /// else its own, made when first needed.
    /// </summary>
    private void Keep(IMessage resource)
    {
        // Every resource type a build shares has the slot; a type without one would be packed by each proxy.
        if (resource is not IPackingSlot slot) return;
        _kept.Enqueue(resource);
        if (slot.Packing is not null) return;
        slot.KeepPacking(Volatile.Read(ref _carried)?.Find(resource) ?? new Lazy<PackedResource>(() => new PackedResource(resource)));
    }
}
