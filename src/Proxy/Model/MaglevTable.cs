
namespace Mesh.Proxy.Model;

/// <summary>
/// Envoy's Maglev: a table of a prime size where each host fills slots along its own permutation (offset and skip
/// from two xxHash seeds of its "address:port"), in turns weighted by its share; a key goes to slot hash mod size.
/// Lookups are one array read; removing a host moves its slots and only a few others.
/// </summary>
internal sealed class MaglevTable : ConsistentHashTable
{
    private readonly int[] _slots;

    public MaglevTable(EndpointModel[] hosts, ulong tableSize) : base(hosts)
    {
        if (hosts.Length == 0)
        {
            _slots = [];
            return;
        }

        var size = (long)tableSize;
        var offsets = new long[hosts.Length];
        var skips = new long[hosts.Length];
        var next = new long[hosts.Length];
        var turns = new double[hosts.Length];
        double totalWeight = 0;
        double maximumShare = 0;
        for (var h = 0; h < hosts.Length; h++)
        {
            offsets[h] = (long)(HashOf(hosts[h].Key) % (ulong)size);
            skips[h] = (long)(HashOf(hosts[h].Key, 1) % (ulong)(size - 1)) + 1;
            totalWeight += hosts[h].Weight;
        }

        for (var h = 0; h < hosts.Length; h++)
        {
            maximumShare = Math.Max(maximumShare, hosts[h].Weight / totalWeight);
        }

        _slots = new int[size];
        Array.Fill(_slots, -1);
        long filled = 0;
        for (var iteration = 1; filled < size; iteration++)
        {
            for (var h = 0; h < hosts.Length && filled < size; h++)
            {
                // As Envoy: a host of the largest share takes a slot every iteration, one of a third of it every third.
                var share = hosts[h].Weight / totalWeight;
                if (iteration * share < turns[h])
                {
                    continue;
                }

                turns[h] += maximumShare;
                var slot = (offsets[h] + skips[h] * next[h]) % size;
                while (_slots[slot] >= 0)
                {
                    next[h]++;
                    slot = (offsets[h] + skips[h] * next[h]) % size;
                }

                _slots[slot] = h;
                next[h]++;
                filled++;
            }
        }
    }

    public override EndpointModel? Pick(ulong hash, int attempt, EndpointModel[] available, bool allAvailable)
    {
        if (_slots.Length == 0)
        {
            return null;
        }

        // A retry rehashes the key with the attempt number, as Envoy's Maglev does (with a stable mix here).
        var key = attempt == 0 ? hash : Mix(hash ^ ((ulong)attempt * 0x9E3779B97F4A7C15UL));
        var slot = (int)(key % (ulong)_slots.Length);
        // An unavailable host's slots hand their keys to the slots after them: spread over the others by share.
        for (var step = 0; step < _slots.Length; step++)
        {
            var host = Hosts[_slots[slot]];
            if (IsAvailable(host, available, allAvailable))
            {
                return host;
            }

            slot = slot + 1 == _slots.Length ? 0 : slot + 1;
        }

        return null;
    }

    // SplitMix64's finalizer: a stable, well-spread 64-bit mix.
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}
