
namespace Mesh.Proxy.Model;

/// <summary>
/// Envoy's ring hash (ketama): each host owns points on a 64-bit ring in proportion to its weight, the least-weighted
/// host at least <c>minimumRingSize / hosts</c> of them; a key goes to the first point at or after its hash. Removing
/// a host moves only the keys its points owned, to the points after them.
/// </summary>
internal sealed class HashRing : ConsistentHashTable
{
    /// <summary>Envoy's default maximum_ring_size: a cap on memory whatever minimumRingSize asks.</summary>
    public const ulong MaximumRingSize = 8 * 1024 * 1024;

    private readonly ulong[] _points;
    private readonly int[] _owners;

    public HashRing(EndpointModel[] hosts, ulong minimumRingSize) : base(hosts)
    {
        if (hosts.Length == 0)
        {
            _points = [];
            _owners = [];
            return;
        }

        double totalWeight = 0;
        foreach (var host in hosts)
        {
            totalWeight += host.Weight;
        }

        var minimumShare = double.MaxValue;
        foreach (var host in hosts)
        {
            minimumShare = Math.Min(minimumShare, host.Weight / totalWeight);
        }

        // As Envoy: scale so that the least-weighted host gets a whole number of points, within the maximum size.
        var scale = Math.Min(Math.Ceiling(minimumShare * minimumRingSize) / minimumShare, MaximumRingSize);
        var size = (int)Math.Ceiling(scale);
        var points = new List<(ulong Point, int Owner)>(size);
        double current = 0;
        double target = 0;
        for (var h = 0; h < hosts.Length; h++)
        {
            target += scale * hosts[h].Weight / totalWeight;
            for (var i = 0; current < target; i++, current++)
            {
                points.Add((HashOf($"{hosts[h].Key}_{i}"), h));
            }
        }

        points.Sort(static (a, b) => a.Point.CompareTo(b.Point));
        _points = new ulong[points.Count];
        _owners = new int[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            (_points[i], _owners[i]) = points[i];
        }
    }

    public int Size => _points.Length;

    public override EndpointModel? Pick(ulong hash, int attempt, EndpointModel[] available, bool allAvailable)
    {
        if (_points.Length == 0)
        {
            return null;
        }

        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        // A retry takes the points after the key's own, as Envoy's ring does; so does a key whose host is unavailable.
        index = (int)((index + (long)attempt) % _points.Length);
        for (var step = 0; step < _points.Length; step++)
        {
            var host = Hosts[_owners[index]];
            if (IsAvailable(host, available, allAvailable))
            {
                return host;
            }

            index = index + 1 == _points.Length ? 0 : index + 1;
        }

        return null;
    }
}
