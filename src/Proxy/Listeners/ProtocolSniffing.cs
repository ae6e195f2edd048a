// Istio's protocol sniffing (Envoy's http_inspector) for ports with no declared protocol: the client's first bytes say HTTP or not.
using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Listeners;

/// <summary>What the first bytes of an AUTO connection turned out to be.</summary>
internal enum SniffedProtocol
{
    /// <summary>An HTTP/1.x request line (a known method, then a space).</summary>
    Http1,

    /// <summary>The HTTP/2 client preface: h2c with prior knowledge (gRPC without TLS).</summary>
    Http2,

    /// <summary>Anything else: a TLS ClientHello, another protocol's bytes, or nothing in time (a server-first protocol).</summary>
    Tcp,

    /// <summary>The client closed or reset before sending a byte.</summary>
    Closed,
}

/// <summary>
/// Peeks at an AUTO connection's first bytes without consuming them (the HTTP or TCP stage reads them again). The wait
/// for the first byte is short, because a server-first protocol (MySQL, SMTP) sends nothing until the server speaks:
/// silence is TCP. Once a byte is in, the rest of the look has the listener's filter deadline.
/// </summary>
internal static class ProtocolSniffing
{
    /// <summary>
    /// Istio's historical protocol detection timeout: long enough for a client that speaks first, short enough that a
    /// server-first protocol's connection goes on as TCP without the client noticing.
    /// </summary>
    public static readonly TimeSpan DefaultDetectionTimeout = TimeSpan.FromMilliseconds(100);

    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    // The request-line methods Envoy's http_inspector knows, each with the space that ends it.
    private static readonly byte[][] Methods =
    [
        "GET "u8.ToArray(), "POST "u8.ToArray(), "PUT "u8.ToArray(), "HEAD "u8.ToArray(), "DELETE "u8.ToArray(), "OPTIONS "u8.ToArray(),
        "PATCH "u8.ToArray(), "CONNECT "u8.ToArray(), "TRACE "u8.ToArray(), "PROPFIND "u8.ToArray(), "PROPPATCH "u8.ToArray(),
        "MKCOL "u8.ToArray(), "COPY "u8.ToArray(), "MOVE "u8.ToArray(), "LOCK "u8.ToArray(), "UNLOCK "u8.ToArray(),
    ];

    // Longer than every method and the preface: past it an undecided prefix cannot become HTTP.
    private const int MaxExamined = 24;

    /// <param name="source">A deadline started with the detection timeout (<see cref="ListenerFilterDeadline.Start(TimeSpan)"/>): extended with the listener's once the first byte is in.</param>
    public static async ValueTask<SniffedProtocol> DetectAsync(ConnectionContext connection, CancellationTokenSource source, ListenerFilterDeadline deadline)
    {
        var input = connection.Transport.Input;
        var first = true;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(source.Token);
                var buffer = result.Buffer;
                if (first && !buffer.IsEmpty)
                {
                    first = false;
                    deadline.Extend(source);
                }

                var verdict = Examine(buffer, result.IsCompleted || result.IsCanceled);

                // Nothing consumed: the stage chosen reads these bytes again.
                input.AdvanceTo(buffer.Start, verdict is null ? buffer.End : buffer.Start);
                if (verdict is { } known)
                {
                    return known;
                }
            }
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            // Silence (a server-first protocol), or bytes that never made up their mind within the deadline: not HTTP.
            return SniffedProtocol.Tcp;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            return SniffedProtocol.Closed;
        }
    }

    /// <summary>The verdict on the bytes so far; null while they could still become HTTP and more may come.</summary>
    internal static SniffedProtocol? Examine(ReadOnlySequence<byte> buffer, bool ended)
    {
        if (buffer.IsEmpty)
        {
            return ended ? SniffedProtocol.Closed : null;
        }

        var length = (int)Math.Min(buffer.Length, MaxExamined);
        Span<byte> head = stackalloc byte[length];
        buffer.Slice(0, length).CopyTo(head);
        var undecided = false;
        if (head.StartsWith(Http2Preface))
        {
            return SniffedProtocol.Http2;
        }

        undecided |= Http2Preface.StartsWith(head);
        foreach (var method in Methods)
        {
            if (head.StartsWith(method))
            {
                return SniffedProtocol.Http1;
            }

            undecided |= method.AsSpan().StartsWith(head);
        }

        return undecided && !ended ? null : SniffedProtocol.Tcp;
    }
}
