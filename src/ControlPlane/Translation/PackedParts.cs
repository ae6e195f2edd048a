using System.Collections;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// One type's packings for one proxy, in order, kept as they were built: a run that many proxies share (one array per
/// build) with the proxy's own few in their places. A stream holds and sends its set through this, and never copies
/// it into an array of its own: at 5,000 proxies those arrays were 16 KB per distinct set and type, made on every
/// change and held until the next (docs/performance.md, "A proxy's set held in parts").
/// </summary>
internal sealed class PackedParts : IReadOnlyList<PackedResource>
{
    private readonly PackedResource[] _shared;
    private readonly PackedResource[] _own;
    // _own[j] comes right before _shared[_positions[j]] (after them all at _shared.Length); never decreasing.
    private readonly int[] _positions;

    /// <param name="positions">For each of <paramref name="own"/>, the place in <paramref name="shared"/> it comes before, in order.</param>
    public PackedParts(PackedResource[] shared, PackedResource[] own, int[] positions)
    {
        _shared = shared;
        _own = own;
        _positions = positions;
    }

    /// <summary>Packings in order, in one part.</summary>
    public static PackedParts Of(PackedResource[] packed) => new(packed, [], []);

    public int Count => _shared.Length + _own.Length;

    /// <summary>The packing at <paramref name="index"/>: a walk over the proxy's own few, for tests and debug views; streams enumerate.</summary>
    public PackedResource this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            for (var j = 0; j < _own.Length; j++)
            {
                // j of the proxy's own and _positions[j] shared ones come before it.
                var at = _positions[j] + j;
                if (at == index) return _own[j];
                if (at > index) return _shared[index - j];
            }
            return _shared[index - _own.Length];
        }
    }

    public Enumerator GetEnumerator() => new(this);

    IEnumerator<PackedResource> IEnumerable<PackedResource>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The packings in order, the parts merged as they are read; a struct, so a walk allocates nothing.</summary>
    public struct Enumerator(PackedParts parts) : IEnumerator<PackedResource>
    {
        private int _nextShared;
        private int _nextOwn;

        public PackedResource Current { get; private set; } = null!;

        readonly object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            if (_nextOwn < parts._own.Length && parts._positions[_nextOwn] == _nextShared)
            {
                Current = parts._own[_nextOwn++];
                return true;
            }
            if (_nextShared < parts._shared.Length)
            {
                Current = parts._shared[_nextShared++];
                return true;
            }
            return false;
        }

        public void Reset() => (_nextShared, _nextOwn, Current) = (0, 0, null!);

        public readonly void Dispose()
        {
        }
    }
}
