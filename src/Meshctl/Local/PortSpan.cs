using System.Net;
using System.Net.Sockets;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Ports on 127.0.0.1, each free when handed out and not handed out again until every other one this span holds has
/// been. The span is either one range for this process alone, or the slices of a range that it claims from
/// <see cref="PortSlices"/>: one at first, one more whenever those it holds cannot fit a request, and the whole range,
/// shared, when no slice can be claimed.
/// </summary>
internal sealed class PortSpan
{
    private readonly Lock _gate = new();

    /// <summary>The ports handed out; cleared when the span has no room left for a request.</summary>
    private readonly HashSet<int> _given = [];

    private readonly PortSlices? _slices;
    private readonly List<(int Lowest, int End)> _ranges = [];
    private int _size;

    /// <summary>Whether the span fell back to the whole range of <see cref="_slices"/>, which holds every slice.</summary>
    private bool _wholeRange;

    /// <summary>All of [<paramref name="lowest"/>, <paramref name="end"/>), for this process alone.</summary>
    public PortSpan(int lowest, int end) => Add(lowest, end);

    /// <summary>The slices of <paramref name="slices"/> this process claims, as it needs them.</summary>
    public PortSpan(PortSlices slices) => _slices = slices;

    public int[] Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            // Another thread must not pick the same ports meanwhile.
            lock (_gate)
            {
                MakeRoom(count);
                var start = _size > count ? Random.Shared.Next(_size) : 0;
                for (var i = 0; i < _size && listeners.Count < count; i++)
                {
                    var port = PortAt((start + i) % _size);
                    if (!_given.Contains(port) && FreePorts.TryListen(port) is { } listener)
                    {
                        listeners.Add(listener);
                        _given.Add(port);
                    }
                }

                // No room below the ephemeral range (a kernel configured so): let the kernel choose.
                while (listeners.Count < count)
                {
                    listeners.Add(FreePorts.TryListen(0)!);
                }
            }

            var ports = new int[count];
            for (var i = 0; i < count; i++)
            {
                ports[i] = ((IPEndPoint)listeners[i].LocalEndpoint).Port;
            }

            return ports;
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>
    /// Claims one more slice when those held cannot fit <paramref name="count"/> more ports; with none to claim, hands
    /// the held ones out again (or, holding none, the whole range, shared with whoever else found no slice).
    /// </summary>
    private void MakeRoom(int count)
    {
        if (_given.Count + count <= _size)
        {
            return;
        }

        if (_slices is not null && !_wholeRange)
        {
            if (_slices.TryClaim() is { } slice)
            {
                Add(slice.Lowest, slice.End);
            }
            else if (_size == 0)
            {
                Add(_slices.Lowest, _slices.End);
                _wholeRange = true;
            }
        }

        if (_given.Count + count > _size)
        {
            _given.Clear();
        }
    }

    private void Add(int lowest, int end)
    {
        _ranges.Add((lowest, end));
        _size += end - lowest;
    }

    /// <summary>The <paramref name="index"/>th port of the ranges held, in the order they were added.</summary>
    private int PortAt(int index)
    {
        foreach (var (lowest, end) in _ranges)
        {
            if (index < end - lowest)
            {
                return lowest + index;
            }

            index -= end - lowest;
        }

        throw new ArgumentOutOfRangeException(nameof(index));
    }
}
