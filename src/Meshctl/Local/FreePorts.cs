using System.Net;
using System.Net.Sockets;

namespace Mesh.Meshctl.Local;

/// <summary>Picks distinct free TCP ports on 127.0.0.1, holding each until all are chosen so none repeats.</summary>
internal static class FreePorts
{
    public static int[] Take(int count)
    {
        var listeners = new TcpListener[count];
        try
        {
            for (var i = 0; i < count; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
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
                listener?.Stop();
            }
        }
    }

    /// <summary>Whether <paramref name="port"/> can be bound on 127.0.0.1 right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
