using System.Net.Security;
using System.Net.Sockets;

namespace Mesh.Proxy.Forwarding.Tcp;

/// <summary>
/// One connected upstream of an opaque TCP connection: the stream the bytes go through (the socket's, or TLS over it)
/// and the socket itself, for a half-close that sends FIN.
/// </summary>
internal sealed class TcpUpstream(Stream stream, Socket socket) : IAsyncDisposable
{
    public Stream Stream { get; } = stream;

    /// <summary>The connection's local address, for the access log's %UPSTREAM_LOCAL_ADDRESS%.</summary>
    public string? LocalAddress { get; } = socket.LocalEndPoint?.ToString();

    /// <summary>
    /// The downstream sent FIN: the upstream gets it too (TLS close_notify first, over mTLS), and may still answer.
    /// </summary>
    public async ValueTask ShutdownSendAsync()
    {
        if (Stream is SslStream ssl)
        {
            await ssl.ShutdownAsync();
        }

        socket.Shutdown(SocketShutdown.Send);
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();
}
