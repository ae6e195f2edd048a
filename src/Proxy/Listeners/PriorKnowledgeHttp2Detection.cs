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

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => async connection =>
    {
        if (await StartsWithPrefaceAsync(connection))
        {
            var negotiated = new NegotiatedHttp2();
            connection.Features.Set<ITlsApplicationProtocolFeature>(negotiated);
            connection.Features.Set<ITlsConnectionFeature>(negotiated);
        }

        await next(connection);
    };

    private static async ValueTask<bool> StartsWithPrefaceAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
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
