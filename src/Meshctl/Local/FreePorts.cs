using System.Net;
using System.Net.Sockets;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Picks distinct free TCP ports on 127.0.0.1 for the mesh's programs to listen on, holding each until all are
/// chosen so none repeats. They are chosen below the kernel's ephemeral range: a port from that range, released
/// between being picked and being bound, can meanwhile become the source port of any outgoing connection on the
/// machine (or of a client connecting to itself on 127.0.0.1) and the program meant to listen there would lose it.
/// A port handed out is not handed out again by this process until every other one has been: a program may take
/// seconds to bind what it was given (a proxy binds a listener's port only once config names it), and meanwhile the
/// port looks free to the next caller (tests start meshes in parallel).
/// </summary>
internal static class FreePorts
{
    /// <summary>The lowest port handed out; below are well-known and registered services people run.</summary>
    private const int LowestPort = 20_000;

    // One per process: tests start meshes in parallel, and none may be given a port another was given.
    private static readonly PortSpan Shared = new(LowestPort, EphemeralRange().Low);

    public static int[] Take(int count) => Shared.Take(count);

    /// <summary>Whether <paramref name="port"/> can be bound on 127.0.0.1 right now.</summary>
    public static bool IsFree(int port)
    {
        var listener = TryListen(port);
        listener?.Stop();
        return listener is not null;
    }

    /// <summary>The kernel's ephemeral port range (Linux: /proc/sys/net/ipv4/ip_local_port_range; IANA's elsewhere).</summary>
    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high))
            {
                return (low, high);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux: fall through to IANA's range.
        }

        return (49_152, 65_535);
    }

    internal static TcpListener? TryListen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return listener;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}

/// <summary>
/// Ports of [<paramref name="lowest"/>, <paramref name="end"/>) on 127.0.0.1, each free when handed out and not handed
/// out again until every other one of the span has been.
/// </summary>
internal sealed class PortSpan(int lowest, int end)
{
    private readonly Lock _gate = new();

    /// <summary>The ports handed out; cleared when the span has no room left for a request.</summary>
    private readonly HashSet<int> _given = [];

    public int[] Take(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            // Another thread must not pick the same ports meanwhile.
            lock (_gate)
            {
                var span = end - lowest;
                if (_given.Count + count > span)
                {
                    _given.Clear();
                }

                var start = span > count ? Random.Shared.Next(span) : 0;
                for (var i = 0; i < span && listeners.Count < count; i++)
                {
                    var port = lowest + ((start + i) % span);
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
}
