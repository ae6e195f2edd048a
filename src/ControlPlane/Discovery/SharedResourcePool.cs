using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Keeps one copy of each distinct packed content per type, shared by every stream that holds it: sidecars of one
/// namespace mostly receive identical clusters, endpoints and routes, so a thousand streams need a handful of copies,
/// not a thousand. A content is released when its last holder lets go.
/// </summary>
/// <remarks>
/// Contents are found by their full digest (<see cref="ResourceVersion.Digest"/>), not by the short version: two
/// streams are only ever given the same copy when their contents are byte for byte the same. Acquired and released
/// once per type per regeneration, never per request, so a plain lock is enough.
/// </remarks>
internal sealed class SharedResourcePool
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SharedResources> _contents = new(StringComparer.Ordinal);

    /// <summary>How many distinct contents are held now, all types together.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _contents.Count;
        }
    }

    /// <summary>
    /// The shared copy of this content, held once more by the caller, who must <see cref="Release"/> it. The caller's
    /// packings become the shared copy when no stream holds this content yet, and are dropped otherwise.
    /// </summary>
    /// <param name="type">The type's place in push order: equal bytes of two types are two contents.</param>
    public SharedResources Acquire(int type, PackedResource[] packed) => Acquire(type, new PackedSet(packed));

    /// <summary>
    /// The shared copy of this content, held once more by the caller, who must <see cref="Release"/> it. The resources
    /// are digested first, and their packings are taken only when no stream holds this content yet: at 5,000 proxies,
    /// five of each service's, most streams find theirs held.
    /// </summary>
    public SharedResources Acquire(int type, IPackableResources resources)
    {
        var digest = resources.Digest();
        var key = $"{type}:{Convert.ToHexStringLower(digest)}";
        lock (_gate)
        {
            if (_contents.TryGetValue(key, out var held))
            {
                held.Holders++;
                return held;
            }
        }
        // Made outside the lock, which every stream takes; a stream that made the same meanwhile wins, and this one goes.
        var made = new SharedResources(key, resources.Pack(), ResourceVersion.FromDigest(digest), resources.NamesAscending);
        lock (_gate)
        {
            if (!_contents.TryGetValue(key, out var shared))
            {
                shared = made;
                _contents.Add(key, shared);
            }
            shared.Holders++;
            return shared;
        }
    }

    /// <summary>Lets go of one hold; the content is forgotten when no stream holds it any more.</summary>
    public void Release(SharedResources shared)
    {
        lock (_gate)
        {
            if (--shared.Holders == 0) _contents.Remove(shared.Key);
        }
    }
}
