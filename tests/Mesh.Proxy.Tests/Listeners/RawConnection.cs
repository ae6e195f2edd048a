using System.Diagnostics;
using System.Net.Sockets;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>A client socket on 127.0.0.1 that sends what a test says (often nothing) and tells when the server closes it.</summary>
internal sealed class RawConnection : IDisposable
{
    private readonly TcpClient _client = new();
    private readonly Stopwatch _opened = new();

    private RawConnection()
    {
    }

    public NetworkStream Stream => _client.GetStream();

    public static async Task<RawConnection> OpenAsync(int port)
    {
        var connection = new RawConnection();
        await connection._client.ConnectAsync("127.0.0.1", port);
        connection._opened.Start();
        return connection;
    }

    /// <summary>
    /// Reads (and drops) whatever the server sends until it closes the connection; returns how long after opening that
    /// was, or null when it was still open after <paramref name="bound"/>.
    /// </summary>
    public async Task<TimeSpan?> WaitClosedAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        var buffer = new byte[4096];
        try
        {
            while (await Stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (IOException)
        {
            // Reset rather than closed: closed all the same.
        }

        return _opened.Elapsed;
    }

    public void Dispose() => _client.Dispose();
}
