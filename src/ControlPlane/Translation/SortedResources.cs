using System.Collections;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>Resources one build shares between proxies, sorted by name; packed once, for every proxy, when first sent.</summary>
internal sealed class SharedSortedResources<T>(List<T> items)
    where T : class, IMessage
{
    private PackedResource[]? _packed;

    /// <summary>Sorted by the comparison their proxies' sets use; never modified once built.</summary>
    public List<T> Items { get; } = items;

    /// <summary>The items' packings, in order. Two streams may both make it first, alike.</summary>
    public PackedResource[] Packed => _packed ??= ResourceVersion.Pack(Items);
}

/// <summary>What <see cref="ProxyResources.Pack"/> reads of a set kept in parts.</summary>
internal interface IPackableResources
{
    /// <summary>The set's packings, in the set's order.</summary>
    PackedResource[] Pack();
}

/// <summary>
/// One type's resources for one proxy, in order: a part many proxies share (<see cref="SharedSortedResources{T}"/>) and
/// the proxy's own few, merged only when read. A stream packs the set without ever listing it: the shared part's
/// packings are copied in blocks between the proxy's own. Listing and packing two thousand endpoint assignments for
/// every proxy was a third of what an endpoint change allocated (docs/performance.md, "Endpoint changes").
/// </summary>
internal sealed class SortedResources<T> : IReadOnlyList<T>, IPackableResources
    where T : class, IMessage
{
    private readonly SharedSortedResources<T>? _shared;
    private readonly List<T> _own;
    private readonly int[] _positions;
    private IReadOnlyList<T>? _all;

    /// <param name="own">The proxy's own resources, in any order: sorted here.</param>
    public SortedResources(SharedSortedResources<T>? shared, List<T> own, Comparison<T> compare)
    {
        own.Sort(compare);
        _shared = shared;
        _own = own;
        _positions = shared is null ? [] : Positions(CollectionsMarshal.AsSpan(shared.Items), own, compare);
    }

    public int Count => (_shared?.Items.Count ?? 0) + _own.Count;

    public T this[int index] => All[index];

    public IEnumerator<T> GetEnumerator() => All.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public PackedResource[] Pack() =>
        _shared is null ? ResourceVersion.Pack(_own) : Merge<PackedResource>(_shared.Packed, static own => SharedTranslation.PackedOf(own) ?? new PackedResource(own));

    private IReadOnlyList<T> All => _all ??= _shared is null ? _own : Merge<T>(CollectionsMarshal.AsSpan(_shared.Items), static own => own);

    /// <summary>
    /// Where each of the proxy's own goes: after every shared item not greater than it (as a stable sort of the shared
    /// part followed by the own would place it), found by binary search from the last one's place.
    /// </summary>
    private static int[] Positions(ReadOnlySpan<T> shared, List<T> own, Comparison<T> compare)
    {
        var positions = new int[own.Count];
        var from = 0;
        for (var j = 0; j < own.Count; j++)
        {
            int low = from, high = shared.Length;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (compare(shared[middle], own[j]) <= 0) low = middle + 1;
                else high = middle;
            }
            positions[j] = from = low;
        }
        return positions;
    }

    /// <summary>The shared part's items with the proxy's own put in their places, the shared copied block by block.</summary>
    private TItem[] Merge<TItem>(ReadOnlySpan<TItem> shared, Func<T, TItem> ownAs)
    {
        var merged = new TItem[shared.Length + _own.Count];
        int from = 0, at = 0;
        for (var j = 0; j < _own.Count; j++)
        {
            var block = shared[from.._positions[j]];
            block.CopyTo(merged.AsSpan(at));
            at += block.Length;
            from = _positions[j];
            merged[at++] = ownAs(_own[j]);
        }
        shared[from..].CopyTo(merged.AsSpan(at));
        return merged;
    }
}
