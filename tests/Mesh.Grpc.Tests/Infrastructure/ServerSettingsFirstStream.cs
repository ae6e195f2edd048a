// A client connection stream that forces the ordering a loaded machine produces by chance: the client's connection
// preface "completes" only once the client has processed the server's first frames (so its SETTINGS ACK is queued and
// flushed before the first request's HEADERS is even written).
using System.Net.Sockets;

namespace Mesh.Grpc.Tests.Infrastructure;

internal sealed class ServerSettingsFirstStream : Stream
{
    private readonly Stream _inner;
    private readonly TaskCompletionSource _serverFramesProcessed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _readsWithData;
    private int _writes;

    private ServerSettingsFirstStream(Stream inner)
    {
        _inner = inner;
    }

    /// <summary>A handler whose every new connection behaves this way.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return new ServerSettingsFirstStream(new NetworkStream(socket, ownsSocket: true));
        },
    };

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken);
        if (Interlocked.Increment(ref _writes) == 1)
        {
            // The preface and SETTINGS are out; hold the connection setup until the server's reply has been handled.
            await _serverFramesProcessed.Task.WaitAsync(cancellationToken);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A read after one that returned data means the client has handled everything the server sent so far.
        if (Volatile.Read(ref _readsWithData) > 0)
        {
            _serverFramesProcessed.TrySetResult();
        }

        var read = await _inner.ReadAsync(buffer, cancellationToken);
        if (read > 0)
        {
            Interlocked.Increment(ref _readsWithData);
        }

        return read;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
