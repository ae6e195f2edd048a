using System.Net;
using System.Net.Sockets;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Picks distinct free TCP ports on 127.0.0.1 for the mesh's programs to listen on, holding each until all are
/// chosen so none repeats. They are chosen below the kernel's ephemeral range: a port from that range, released
/// between being picked and being bound, can meanwhile become the source port of any outgoing connection on the
/// machine (or of a client connecting to itself on 127.0.0.1) and the program meant to listen there would lose it.
/// A port handed out is not handed out again until every other one of this process's share has been: a program may
/// take seconds to bind what it was given (a proxy binds a listener's port only once config names it), and meanwhile
/// the port looks free to the next caller. The share is this process's alone (<see cref="PortSlices"/>), as the
/// test assemblies run in parallel, each starting meshes.
/// </summary>
internal static class FreePorts
{
    /// <summary>The lowest port handed out; below are well-known and registered services people run.</summary>
    private const int LowestPort = 20_000;

    /// <summary>Processes on one machine that can each hold a share of the range alone; more share the whole range.</summary>
    private const int Slices = 8;

    // One per process: tests start meshes in parallel, and none may be given a port another was given.
    private static readonly PortSpan Shared = new(
        new PortSlices(Path.Combine(Path.GetTempPath(), "mesh-ports"), LowestPort, EphemeralRange().Low, Slices));

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
