using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Tcp;

/// <summary>
/// A real TCP server on 127.0.0.1 standing in for a TCP workload: prefixes its name to each chunk it echoes, and when
/// the client half-closes, sends "|fin" and closes: what comes back after a FIN shows that the FIN got through.
/// </summary>
internal sealed class EchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _name;
    private readonly Task _accepting;
    private int _connections;

    private EchoServer(string name)
    {
        _name = name;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref _connections);

    public static EchoServer Start(string name) => new(name);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _ = EchoAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task EchoAsync(TcpClient client)
    {
        using var owned = client;
        var stream = client.GetStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    await stream.WriteAsync("|fin"u8.ToArray(), _stop.Token);
                    client.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{_name}:{Encoding.ASCII.GetString(buffer, 0, read)}"), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
        {
            // The proxy cut the connection (idle timeout, shutdown).
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
