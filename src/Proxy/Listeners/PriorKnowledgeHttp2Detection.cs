using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Lets one plaintext port take both HTTP/1.1 and HTTP/2 with prior knowledge (h2c, what gRPC clients send).
/// Kestrel picks HTTP/1.1 on a cleartext Http1AndHttp2 endpoint because there is no ALPN; this connection middleware
/// peeks at the first bytes without consuming them and, on the HTTP/2 client preface, presents the connection to
/// Kestrel as if ALPN had chosen "h2".
/// </summary>
internal static class PriorKnowledgeHttp2Detection
{
    private static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    private static readonly ReadOnlyMemory<byte> Http2Protocol = "h2"u8.ToArray();

    /// <summary>The middleware of a plaintext listener: detects h2c within the listener's <paramref name="deadline"/>, then hands on to HTTP.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(ListenerFilterDeadline deadline) => next => async connection =>
    {
        var source = deadline.Start();
        bool? isHttp2;
        try
        {
            isHttp2 = await StartsWithPrefaceAsync(connection, source.Token);
        }
        finally
        {
            deadline.End(source);
        }

        if (isHttp2 is null)
        {
            deadline.Expired(connection);
            return;
        }

        if (isHttp2.Value)
        {
            MarkHttp2(connection);
        }

        await next(connection);
    };

    /// <summary>Presents the connection to Kestrel as if ALPN had chosen "h2".</summary>
    public static void MarkHttp2(ConnectionContext connection)
    {
        var negotiated = new NegotiatedHttp2();
        connection.Features.Set<ITlsApplicationProtocolFeature>(negotiated);
        connection.Features.Set<ITlsConnectionFeature>(negotiated);
    }

    /// <summary>
    /// Whether the connection starts with the HTTP/2 preface; false also when it ends or fails first (HTTP then sees
    /// the end); null when <paramref name="deadline"/> fires first.
    /// </summary>
    public static async ValueTask<bool?> StartsWithPrefaceAsync(ConnectionContext connection, CancellationToken deadline)
    {
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline);
                var buffer = result.Buffer;
                var verdict = Examine(buffer, result.IsCompleted || result.IsCanceled);

                // Nothing is consumed: Kestrel's protocol handler reads these bytes again.
                input.AdvanceTo(buffer.Start, verdict is null ? buffer.End : buffer.Start);
                if (verdict is { } isHttp2)
                {
                    return isHttp2;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Past the deadline; or reset by the peer, or aborted by Kestrel, which its HTTP layer then ends quietly.
            return deadline.IsCancellationRequested ? null : false;
        }
    }

    // Null while the bytes so far are a strict prefix of the preface and more may come.
    private static bool? Examine(ReadOnlySequence<byte> buffer, bool ended)
    {
        var length = (int)Math.Min(buffer.Length, ClientPreface.Length);
        Span<byte> head = stackalloc byte[length];
        buffer.Slice(0, length).CopyTo(head);
        if (!head.SequenceEqual(ClientPreface[..length]))
        {
            return false;
        }

        if (length == ClientPreface.Length)
        {
            return true;
        }

        return ended ? false : null;
    }

    /// <summary>Stands in for the TLS handshake's outcome so that Kestrel selects HTTP/2; there is no certificate.</summary>
    private sealed class NegotiatedHttp2 : ITlsApplicationProtocolFeature, ITlsConnectionFeature
    {
        public ReadOnlyMemory<byte> ApplicationProtocol => Http2Protocol;

        public X509Certificate2? ClientCertificate { get; set; }

        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
