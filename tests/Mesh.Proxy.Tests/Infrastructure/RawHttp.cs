using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>A raw TCP client for requests no HTTP library would send: malformed bodies, CONNECT, unknown upgrades.</summary>
internal static class RawHttp
{
    /// <summary>
    /// Writes <paramref name="request"/> byte for byte, then, if given, waits for <paramref name="beforeHalfClose"/>
    /// and half-closes; returns what the server sent until its response head was complete (and, if given, the body
    /// held <paramref name="untilBody"/>) or it closed or reset the connection.
    /// </summary>
    public static async Task<string> ExchangeAsync(int port, string request, Func<Task>? beforeHalfClose = null, string untilBody = "")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (beforeHalfClose is not null)
        {
            await beforeHalfClose();
            client.Client.Shutdown(SocketShutdown.Send);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while (!IsComplete(received.ToString(), untilBody) && (read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            // The server aborted the connection: it answered what it had sent so far.
        }

        return received.ToString();
    }

    private static bool IsComplete(string received, string untilBody)
    {
        var headEnd = received.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return headEnd >= 0 && received.IndexOf(untilBody, headEnd + 4, StringComparison.Ordinal) >= 0;
    }
}
