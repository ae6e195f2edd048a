using System.Buffers;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// A request body that keeps what has been read of it, up to a bound, so that a retry can send it again: Envoy's
/// router buffers a retriable request's body up to the buffer limit while streaming it upstream, and a body that
/// outgrows the limit ends the request's retries (its <c>retry_or_shadow_abandoned</c>). Each attempt reads the kept
/// bytes first, then the rest from the client. Nothing is ever read twice from the client nor sent upstream twice
/// in one attempt, so a request that cannot be replayed whole is never retried: no silent duplicate, no truncated copy.
/// </summary>
/// <remarks>
/// The attempt that reads and the transformer that decides to withhold a response run concurrently; one state word
/// makes "this body outgrew the limit" and "this attempt's response is withheld for a retry" exclusive, so a withheld
/// response always has a body to replay.
/// </remarks>
internal sealed class ReplayableRequestBody(Stream client, int limit) : Stream
{
    private const int Recording = 0;
    private const int Overflowed = 1;
    private const int HeldForReplay = 2;

    private const int FirstBufferBytes = 4096;

    private byte[]? _kept;
    private int _keptLength;
    private int _replayPosition;
    private int _state;
    private int _reading;
    private bool _clientEnded;

    /// <summary>True once the body outgrew the limit: it can no longer be replayed.</summary>
    public bool HasOverflowed => Volatile.Read(ref _state) == Overflowed;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Claims the body for a retry of the current attempt (its response is about to be withheld); false when it
    /// already outgrew the limit, and the response must then go to the client.
    /// </summary>
    public bool TryHoldForReplay()
    {
        var state = Interlocked.CompareExchange(ref _state, HeldForReplay, Recording);
        return state != Overflowed;
    }

    /// <summary>Starts the next attempt at the body's first byte; false when the body cannot be sent again whole.</summary>
    public bool Rewind()
    {
        // A read still running belongs to the attempt that failed: the next attempt must not race it for the client's bytes.
        if (Volatile.Read(ref _reading) != 0 || Interlocked.CompareExchange(ref _state, Recording, HeldForReplay) == Overflowed)
        {
            return false;
        }

        _replayPosition = 0;
        return true;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_replayPosition < _keptLength)
        {
            var replayed = Math.Min(buffer.Length, _keptLength - _replayPosition);
            _kept.AsMemory(_replayPosition, replayed).CopyTo(buffer);
            _replayPosition += replayed;
            return replayed;
        }

        if (_clientEnded || buffer.Length == 0)
        {
            return 0;
        }

        Volatile.Write(ref _reading, 1);
        try
        {
            return await ReadFromClientAsync(buffer, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnKept();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadFromClientAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _state) == Overflowed)
        {
            return await ReadClientAsync(buffer, cancellationToken);
        }

        var room = limit - _keptLength;
        if (room > 0)
        {
            // Never take more than can be kept, so that a withheld attempt can always be replayed whole.
            var kept = await ReadClientAsync(buffer[..Math.Min(buffer.Length, room)], cancellationToken);
            Keep(buffer.Span[..kept]);
            return kept;
        }

        if (Volatile.Read(ref _state) == HeldForReplay)
        {
            // This attempt's response is withheld: it stops here, before taking a byte the retry could not replay.
            throw new OperationCanceledException("The attempt's response was withheld for a retry.");
        }

        var read = await ReadClientAsync(buffer, cancellationToken);
        if (read == 0)
        {
            return 0;
        }

        if (Interlocked.CompareExchange(ref _state, Overflowed, Recording) == Recording)
        {
            // The body reaches past the limit: it streams on, and can no longer be replayed.
            ReturnKept();
            return read;
        }

        // The response was withheld while these bytes were read: they are kept too (the limit is passed by one read),
        // so that the retry sends the body whole.
        Keep(buffer.Span[..read]);
        return read;
    }

    private async ValueTask<int> ReadClientAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await client.ReadAsync(buffer, cancellationToken);
        _clientEnded = read == 0;
        return read;
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        var needed = _keptLength + bytes.Length;
        if (_kept is null || needed > _kept.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(limit, Math.Max(FirstBufferBytes, (_kept?.Length ?? 0) * 2))));
            if (_kept is not null)
            {
                _kept.AsSpan(0, _keptLength).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_kept);
            }

            _kept = grown;
        }

        bytes.CopyTo(_kept.AsSpan(_keptLength));
        _keptLength = needed;
        _replayPosition = needed;
    }

    private void ReturnKept()
    {
        if (_kept is not null)
        {
            ArrayPool<byte>.Shared.Return(_kept);
            _kept = null;
            _keptLength = 0;
            _replayPosition = 0;
        }
    }
}
