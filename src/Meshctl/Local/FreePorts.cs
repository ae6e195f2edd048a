using System.Net;
using System.Net.Sockets;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Picks distinct free TCP ports on 127.0.0.1 for the mesh's programs to listen on, holding each until all are
/// chosen so none repeats. They are chosen below the kernel's ephemeral range: a port from that range, released
/// between being picked and being bound, can meanwhile become the source port of any outgoing connection on the
/// machine (or of a client connecting to itself on 127.0.0.1) and the program meant to listen there would lose it.
/// </summary>
internal static class FreePorts
{
    /// <summary>The lowest port handed out; below are well-known and registered services people run.</summary>
    private const int LowestPort = 20_000;

    private static readonly Lock Gate = new();

    public static int[] Take(int count)
    {
        var (ephemeralLow, _) = EphemeralRange();
        var listeners = new List<TcpListener>(count);
        try
        {
            // Another thread of this process (tests start meshes in parallel) must not pick the same ports meanwhile.
            lock (Gate)
            {
                var span = ephemeralLow - LowestPort;
                var start = span > count ? Random.Shared.Next(span) : 0;
                for (var i = 0; i < span && listeners.Count < count; i++)
                {
                    var port = LowestPort + ((start + i) % span);
                    if (TryListen(port) is { } listener) listeners.Add(listener);
                }

                // No room below the ephemeral range (a kernel configured so): let the kernel choose.
                while (listeners.Count < count)
                {
                    listeners.Add(TryListen(0)!);
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

    private static TcpListener? TryListen(int port)
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
