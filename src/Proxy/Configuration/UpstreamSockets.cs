using System.Net;
using System.Net.Sockets;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Upstream TCP connections as SocketsHttpHandler makes them (no Nagle), with DestinationRule tcpKeepalive applied:
/// SO_KEEPALIVE on, and each of time, interval and probes that is set (else the operating system's), as Envoy's
/// upstream_connection_options.tcp_keepalive.
/// </summary>
internal static class UpstreamSockets
{
    public static async ValueTask<Socket> ConnectAsync(DnsEndPoint endPoint, TcpKeepalive? keepalive, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            ApplyKeepalive(socket, keepalive);
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The handler's ConnectCallback for a plaintext cluster, with keep-alive probes when given.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> PlaintextConnector(TcpKeepalive? keepalive) =>
        async (context, cancellationToken) => new NetworkStream(await ConnectAsync(context.DnsEndPoint, keepalive, cancellationToken), ownsSocket: true);

    public static void ApplyKeepalive(Socket socket, TcpKeepalive? keepalive)
    {
        if (keepalive is null)
        {
            return;
        }

        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        if (keepalive.TimeSeconds > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)keepalive.TimeSeconds);
        }

        if (keepalive.IntervalSeconds > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, (int)keepalive.IntervalSeconds);
        }

        if (keepalive.Probes > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, (int)keepalive.Probes);
        }
    }
}
