using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Resources translated once per snapshot and shared by every proxy whose inputs to them are equal, as istiod's
/// xDS cache does: a thousand sidecars of ten namespaces need ten outbound route configurations, not a thousand. Each
/// shared resource is also packed once, so no stream serializes it again.
/// </summary>
/// <remarks>
/// A key is exact when the function that builds the resource can read nothing of the proxy but the key: the key types
/// (<see cref="OutboundRouteInputs"/>) are what those functions take in place of the proxy. The cache lives as long as
/// its snapshot, so an entry never outlives the config it was built from. Concurrent streams asking for one key wait
/// for one build.
/// </remarks>
internal sealed class SharedTranslation
{
    private static readonly ConditionalWeakTable<MeshSnapshot, SharedTranslation> BySnapshot = new();

    private readonly ConcurrentDictionary<object, Lazy<IMessage>> _resources = new();
    private readonly ConcurrentDictionary<IMessage, Lazy<Any>> _packed = new(ReferenceEqualityComparer.Instance);

    private SharedTranslation(MeshSnapshot snapshot)
    {
        foreach (var virtualService in snapshot.VirtualServices)
        {
            foreach (var route in virtualService.Spec.Http)
            {
                foreach (var match in route.Match) RoutesMatchSourceLabels |= match.SourceLabels.Count > 0;
            }
        }
    }

    /// <summary>The cache of <paramref name="snapshot"/>, made on first use.</summary>
    public static SharedTranslation For(MeshSnapshot snapshot) => BySnapshot.GetValue(snapshot, static snapshot => new SharedTranslation(snapshot));

    /// <summary>
    /// Whether some VirtualService route matches on <c>sourceLabels</c>: only then do a proxy's labels shape its routes
    /// (its VirtualServices are among the snapshot's, delegates merged in).
    /// </summary>
    public bool RoutesMatchSourceLabels { get; }

    /// <summary>How many distinct resources were built: one per distinct key.</summary>
    public int Count => _resources.Count;

    /// <summary>The resource for <paramref name="key"/>, built by <paramref name="build"/> the first time this key is asked for.</summary>
    /// <param name="key">A value with structural equality holding every proxy input <paramref name="build"/> reads.</param>
    public TResource GetOrBuild<TKey, TArg, TResource>(TKey key, TArg arg, Func<TKey, TArg, TResource> build)
        where TKey : notnull
        where TResource : class, IMessage
    {
        var entry = _resources.GetOrAdd(key, _ => new Lazy<IMessage>(() => Share(build(key, arg))));
        return (TResource)entry.Value;
    }

    /// <summary>The packed form of a resource this cache shares, packed once; null for a resource of one proxy's own.</summary>
    public Any? PackedOf(IMessage resource) => _packed.TryGetValue(resource, out var packed) ? packed.Value : null;

    private IMessage Share(IMessage resource)
    {
        _packed.TryAdd(resource, new Lazy<Any>(() => Any.Pack(resource)));
        return resource;
    }
}
