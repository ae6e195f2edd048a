using System.Buffers;
using System.Collections;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>Resources one build shares between proxies, sorted by name; packed and digested once, for every proxy, when first sent.</summary>
internal sealed class SharedSortedResources<T>(List<T> items)
    where T : class, IMessage
{
    // Each made by the first stream that needs it; two streams may both make one, alike.
    private PackedResource[]? _packed;
    private byte[]? _digests;
    // 0 while not known, then 1 (ascending) or 2: an int, which no stream can read half written.
    private int _order;

    /// <summary>Sorted by the comparison their proxies' sets use; never modified once built.</summary>
    public List<T> Items { get; } = items;

    /// <summary>The items' packings, in order.</summary>
    public PackedResource[] Packed => _packed ??= ResourceVersion.Pack(Items);

    /// <summary>The packings' digests laid end to end, as <see cref="ResourceVersion.Digest"/> hashes them.</summary>
    public byte[] Digests => _digests ??= Concatenated(Packed);

    public bool NamesAscending
    {
        get
        {
            if (_order == 0) _order = PackedSet.InNameOrder(Packed) ? 1 : 2;
            return _order == 1;
        }
    }

    private static byte[] Concatenated(PackedResource[] packed)
    {
        var digests = new byte[packed.Length * SHA256.HashSizeInBytes];
        ResourceVersion.CopyDigests(packed, digests);
        return digests;
    }
}

/// <summary>
/// One type's resources for one proxy, in order: a part many proxies share (<see cref="SharedSortedResources{T}"/>) and
/// the proxy's own few, merged only when read. A stream digests the set without listing it, from the shared part's
/// digests copied in blocks between the proxy's own, and holds its packings in the same parts (<see cref="PackedParts"/>).
/// Listing and packing two thousand endpoint assignments for every proxy was a third of what an endpoint change
/// allocated (docs/performance.md, "A proxy's sets kept in parts").
/// </summary>
internal sealed class SortedResources<T> : IReadOnlyList<T>, IPackableResources
    where T : class, IMessage
{
    private readonly SharedSortedResources<T>? _shared;
    private readonly List<T> _own;
    private readonly int[] _positions;
    private IReadOnlyList<T>? _all;
    private PackedResource[]? _ownPacked;

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

    public PackedParts Pack() => _shared is null ? PackedParts.Of(OwnPacked) : new PackedParts(_shared.Packed, OwnPacked, _positions);

    public byte[] Digest()
    {
        if (_shared is null) return ResourceVersion.Digest(OwnPacked);
        const int size = SHA256.HashSizeInBytes;
        var digests = ArrayPool<byte>.Shared.Rent(Count * size);
        try
        {
            ReadOnlySpan<byte> shared = _shared.Digests;
            int from = 0, at = 0;
            for (var j = 0; j < _own.Count; j++)
            {
                var block = shared[(from * size)..(_positions[j] * size)];
                block.CopyTo(digests.AsSpan(at));
                at += block.Length;
                from = _positions[j];
                OwnPacked[j].Digest.CopyTo(digests, at);
                at += size;
            }
            var rest = shared[(from * size)..];
            rest.CopyTo(digests.AsSpan(at));
            return SHA256.HashData(digests.AsSpan(0, at + rest.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(digests);
        }
    }

    /// <summary>
    /// The shared part's order, known once per build, and each of the proxy's own against the one before it. The one
    /// after it is greater already: <see cref="Positions"/> put it before the first shared item greater than it, by
    /// the comparison of names the set is sorted with.
    /// </summary>
    public bool NamesAscending
    {
        get
        {
            if (_shared is null) return PackedSet.InNameOrder(OwnPacked);
            if (!_shared.NamesAscending) return false;
            var shared = _shared.Packed;
            for (var j = 0; j < _own.Count; j++)
            {
                var position = _positions[j];
                // The proxy's own before it at the same place, else the shared item before that place.
                var before = j > 0 && _positions[j - 1] == position ? OwnPacked[j - 1].Name : position > 0 ? shared[position - 1].Name : null;
                if (before is not null && string.CompareOrdinal(before, OwnPacked[j].Name) >= 0) return false;
            }
            return true;
        }
    }

    private IReadOnlyList<T> All => _all ??= _shared is null ? _own : Merge(CollectionsMarshal.AsSpan(_shared.Items), _own);

    private PackedResource[] OwnPacked => _ownPacked ??= ResourceVersion.Pack(_own);

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
    private T[] Merge(ReadOnlySpan<T> shared, List<T> own)
    {
        var merged = new T[shared.Length + own.Count];
        int from = 0, at = 0;
        for (var j = 0; j < own.Count; j++)
        {
            var block = shared[from.._positions[j]];
            block.CopyTo(merged.AsSpan(at));
            at += block.Length;
            from = _positions[j];
            merged[at++] = own[j];
        }
        shared[from..].CopyTo(merged.AsSpan(at));
        return merged;
    }
}
