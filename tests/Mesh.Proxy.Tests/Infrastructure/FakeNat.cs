using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Listeners;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>
/// What iptables REDIRECT does, without NAT: a client "connects" to a destination, the connection lands on the
/// proxy's capturing port, and the proxy's original-destination lookup answers with that destination (keyed by the
/// client's source port, as the kernel's conntrack entry is).
/// </summary>
internal sealed class FakeNat : IOriginalDestinations
{
    private readonly ConcurrentDictionary<int, IPEndPoint> _bySourcePort = new();

    public IPEndPoint? Find(ConnectionContext connection) =>
        connection.RemoteEndPoint is IPEndPoint remote && _bySourcePort.TryGetValue(remote.Port, out var destination) ? destination : null;

    /// <summary>A connection meant for <paramref name="destination"/>, redirected to 127.0.0.1:<paramref name="capturePort"/>.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint destination, int capturePort, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _bySourcePort[((IPEndPoint)socket.LocalEndPoint!).Port] = destination;
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, capturePort), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client whose every connection to the URI's address is captured to <paramref name="capturePort"/>, as an application's in a pod.</summary>
    public HttpClient Client(int capturePort, Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var destination = new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port);
                return new NetworkStream(await ConnectAsync(destination, capturePort, cancellationToken), ownsSocket: true);
            },
        };
        configure?.Invoke(handler);
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
