using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Tcp;

/// <summary>A plain TCP client of the proxy's listener: sends text, reads what comes back, half-closes, sees the end.</summary>
internal sealed class TcpClientConnection : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;

    private TcpClientConnection()
    {
    }

    public static async Task<TcpClientConnection> ConnectAsync(int port)
    {
        var connection = new TcpClientConnection();
        await connection._client.ConnectAsync("127.0.0.1", port);
        // Taken once: TcpClient hands out no stream once the socket is half-closed.
        connection._stream = connection._client.GetStream();
        return connection;
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Reads until <paramref name="expected"/> has arrived (or the connection ended, or 10 s passed) and returns what came.</summary>
    public async Task<string> ReadAsync(string expected)
    {
        using var deadline = new CancellationTokenSource(Patience);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (received.Length < expected.Length)
        {
            var read = await _stream.ReadAsync(buffer, deadline.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    public void HalfClose() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Everything until the proxy closes the connection (a reset counts as closed); fails if it stays open 10 s.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var deadline = new CancellationTokenSource(Patience);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(buffer, deadline.Token);
                if (read == 0)
                {
                    return received.ToString();
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            return received.ToString();
        }
    }

    public void Dispose() => _client.Dispose();
}
