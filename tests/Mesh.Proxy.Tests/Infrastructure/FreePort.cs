using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A port nobody listens on right now (listener ports come from config, so the proxy cannot bind port 0).</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
