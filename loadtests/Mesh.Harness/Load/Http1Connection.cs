using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Mesh.Harness.Load;

/// <summary>
/// HTTP/1.1 keep-alive on a plain socket: the request's bytes are made once, the answer is parsed in place (a
/// Content-Length or chunked body, read and dropped), with no string or message object per request, so the
/// generator stays cheaper than the proxies it measures.
/// </summary>
internal sealed class Http1Connection(string host, int port, byte[] request) : ILoadConnection
{
    private const int BufferSize = 64 * 1024;
    private static ReadOnlySpan<byte> ContentLength => "content-length:"u8;
    private static ReadOnlySpan<byte> TransferEncodingChunked => "transfer-encoding: chunked"u8;
    private static ReadOnlySpan<byte> ConnectionClose => "connection: close"u8;
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();

    private readonly byte[] _buffer = new byte[BufferSize];
    private Socket? _socket;
    private int _start;
    private int _end;

    public static Http1Connection For(LoadTarget target) =>
        new(target.Url.Host, target.Url.Port,
            Encoding.ASCII.GetBytes($"GET {target.Url.PathAndQuery} HTTP/1.1\r\nHost: {target.Authority}\r\nUser-Agent: mesh-harness\r\n\r\n"));

    // Every async step here pools its state machine: one that suspends on a receive would otherwise allocate a box.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendAsync(CancellationToken cancellationToken)
    {
        if (_socket is null)
        {
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await _socket.ConnectAsync(host, port, cancellationToken);
            _start = _end = 0;
        }

        await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
        var headerEnd = await FindAsync(HeadEnd, cancellationToken);
        var (status, contentLength, chunked, close) = ParseHead(_buffer.AsSpan(_start, headerEnd - _start));
        _start = headerEnd + 4;
        if (chunked)
        {
            await SkipChunkedBodyAsync(cancellationToken);
        }
        else
        {
            await SkipAsync(contentLength, cancellationToken);
        }

        if (close)
        {
            await ResetAsync();
        }

        return status is >= 200 and < 300;
    }

    public ValueTask ResetAsync()
    {
        _socket?.Dispose();
        _socket = null;
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ResetAsync();

    private static (int Status, long ContentLength, bool Chunked, bool Close) ParseHead(ReadOnlySpan<byte> head)
    {
        // "HTTP/1.1 200 OK": the status is the three digits after the first space.
        var space = head.IndexOf((byte)' ');
        if (space < 0 || head.Length < space + 4)
        {
            throw new InvalidDataException("not an HTTP/1.1 status line");
        }

        var status = ((head[space + 1] - '0') * 100) + ((head[space + 2] - '0') * 10) + (head[space + 3] - '0');
        long contentLength = 0;
        bool chunked = false, close = false;
        while (head.IndexOf("\r\n"u8) is var lineEnd and >= 0)
        {
            head = head[(lineEnd + 2)..];
            var line = head.IndexOf("\r\n"u8) is var next and >= 0 ? head[..next] : head;
            if (StartsWithIgnoreCase(line, ContentLength))
            {
                contentLength = ParseDecimal(line[ContentLength.Length..]);
            }
            else if (StartsWithIgnoreCase(line, TransferEncodingChunked))
            {
                chunked = true;
            }
            else if (StartsWithIgnoreCase(line, ConnectionClose))
            {
                close = true;
            }
        }

        return (status, contentLength, chunked, close);
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerPrefix) =>
        line.Length >= lowerPrefix.Length && Ascii.EqualsIgnoreCase(line[..lowerPrefix.Length], lowerPrefix);

    private static long ParseDecimal(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        foreach (var b in digits.Trim((byte)' '))
        {
            value = checked((value * 10) + (b - '0'));
        }

        return value;
    }

    private static long ParseHex(ReadOnlySpan<byte> line)
    {
        long value = 0;
        foreach (var b in line)
        {
            var digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                break; // a chunk extension (";name=value") or trailing space ends the size
            }

            value = checked((value * 16) + digit);
        }

        return value;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SkipChunkedBodyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lineEnd = await FindAsync(LineEnd, cancellationToken);
            var size = ParseHex(_buffer.AsSpan(_start, lineEnd - _start));
            _start = lineEnd + 2;
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while (await FindAsync(LineEnd, cancellationToken) is var trailerEnd && trailerEnd != _start)
                {
                    _start = trailerEnd + 2;
                }

                _start += 2;
                return;
            }

            await SkipAsync(size + 2, cancellationToken);
        }
    }

    /// <summary>The index in the buffer where <paramref name="marker"/> starts, reading more until it is there.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FindAsync(ReadOnlyMemory<byte> marker, CancellationToken cancellationToken)
    {
        var searched = 0;
        while (true)
        {
            var at = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf(marker.Span);
            if (at >= 0)
            {
                return _start + searched + at;
            }

            // Positions are relative to _start, so moving the unread bytes to the front keeps them valid.
            searched = Math.Max(0, _end - _start - marker.Length + 1);
            Compact();
            await ReceiveAsync(cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        while (count > _end - _start)
        {
            count -= _end - _start;
            _start = _end = 0;
            await ReceiveAsync(cancellationToken);
        }

        _start += (int)count;
    }

    /// <summary>Moves the unread bytes to the front of the buffer.</summary>
    private void Compact()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_end == _buffer.Length)
        {
            throw new InvalidDataException($"an HTTP/1.1 head longer than {BufferSize} bytes");
        }

        var read = await _socket!.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            throw new IOException("the server closed the connection");
        }

        _end += read;
    }
}
