using System.Buffers.Binary;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// DestinationRule connectionPool.http.maxConcurrentStreams on one upstream HTTP/2 connection, as Envoy's
/// max_concurrent_streams: at most that many streams at once, the next request going to another connection.
/// SocketsHttpHandler has no such cap of its own; it opens no more streams than the server's
/// SETTINGS_MAX_CONCURRENT_STREAMS allows, and another connection beyond it. So this stream, between the handler and the
/// connection, lowers each value of that setting the server sends to the cap, and adds the setting to the server's first
/// SETTINGS frame when it is absent (which the handler reads as no limit). The effective cap is the lower of the two, as in
/// Envoy.
/// Until the server's first SETTINGS the handler assumes 100 streams. So the handler's first write, the connection
/// preface, completes only once the handler has read that frame: the handler offers the connection to requests only
/// after the preface is written, so none sees it before the cap.
/// With <c>oneStream</c> (maxRequestsPerConnection 1, which Envoy applies to HTTP/2 connections too: a connection
/// carries one request, then drains), the cap is 1, and before the server's first frame on a stream the handler reads
/// a GOAWAY naming that stream as the last, as if the server had sent it: the stream completes, no other opens, and
/// the handler closes the connection once it is done. The cap keeps a second stream from opening before that frame.
/// (A stream the handler resets before the server answered it frees the slot, so a second stream may then open and
/// be the one the GOAWAY names: two requests on that connection, the first of them abandoned.)
/// </summary>
internal sealed class Http2StreamCapStream : Stream
{
    private const int FrameHeaderLength = 9;
    private const int SettingLength = 6;
    private const byte SettingsFrameType = 0x4;
    private const byte AckFlag = 0x1;
    private const ushort MaxConcurrentStreamsSetting = 0x3;
    private const int StreamIdOffset = 5;
    private const uint StreamIdMask = 0x7FFF_FFFF;
    private const byte GoAwayFrameType = 0x7;
    private const int GoAwayPayloadLength = 8;

    /// <summary>Room kept at the buffer's end for what is added to a frame: a setting, or a GOAWAY before it.</summary>
    private const int AddedRoom = FrameHeaderLength + GoAwayPayloadLength;

    /// <summary>The largest frame the handler accepts unless it says otherwise (it never does): SETTINGS_MAX_FRAME_SIZE's default.</summary>
    private const int MaxSettingsPayload = 16_384;

    private readonly Stream _inner;
    private readonly uint _cap;
    private readonly bool _oneStream;
    private readonly TaskCompletionSource _firstSettingsRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Bytes from the connection: [_start, _ready) rewritten and ready to hand out, [_ready, _end) not yet looked at. Room
    // for a whole SETTINGS frame and what is added to a frame.
    private readonly byte[] _buffer = new byte[FrameHeaderLength + MaxSettingsPayload + AddedRoom + FrameHeaderLength];
    private int _start;
    private int _ready;
    private int _end;

    /// <summary>Payload bytes of the current frame (not a SETTINGS frame) still to pass through as they are.</summary>
    private int _payloadLeft;
    private bool _innerEnded;
    private bool _firstSettingsSeen;
    private bool _prefaceWritten;
    private bool _goAwayAdded;

    /// <param name="inner">The connection.</param>
    /// <param name="cap">The most streams at once (maxConcurrentStreams); unused with <paramref name="oneStream"/>.</param>
    /// <param name="oneStream">One stream in all, then the connection drains (maxRequestsPerConnection 1); the cap is then 1.</param>
    public Http2StreamCapStream(Stream inner, uint cap, bool oneStream = false)
    {
        if (!oneStream)
        {
            ArgumentOutOfRangeException.ThrowIfZero(cap);
        }

        _inner = inner;
        _cap = oneStream ? 1 : cap;
        _oneStream = oneStream;
    }

    /// <summary>Whether the handler has read the server's first SETTINGS and come back for more (or the connection ended).</summary>
    internal bool FirstSettingsApplied => _firstSettingsRead.Task.IsCompleted;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_firstSettingsSeen && _start == _ready)
        {
            // The first SETTINGS is handed out whole (nothing is made ready after it until it is), and the handler
            // asks for more only once it has processed what it had: the cap is applied.
            _firstSettingsRead.TrySetResult();
        }

        try
        {
            if (destination.IsEmpty)
            {
                // The handler's wait for data: answered at once when bytes are buffered.
                return _end > _start || _innerEnded ? 0 : await _inner.ReadAsync(destination, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                if (_payloadLeft > 0 && _end > _ready)
                {
                    var buffered = Math.Min(_payloadLeft, _end - _ready);
                    _ready += buffered;
                    _payloadLeft -= buffered;
                }

                if (_ready > _start)
                {
                    var count = Math.Min(destination.Length, _ready - _start);
                    _buffer.AsSpan(_start, count).CopyTo(destination.Span);
                    _start += count;
                    return count;
                }

                if (_innerEnded)
                {
                    _firstSettingsRead.TrySetResult();
                    return 0;
                }

                if (_payloadLeft > 0)
                {
                    // Nothing buffered: the payload goes straight to the handler, with no copy.
                    var read = await _inner.ReadAsync(destination[..Math.Min(destination.Length, _payloadLeft)], cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        _innerEnded = true;
                        continue;
                    }

                    _payloadLeft -= read;
                    return read;
                }

                await ReadNextFrameAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            _firstSettingsRead.TrySetResult();
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(source, cancellationToken).ConfigureAwait(false);
        if (!_prefaceWritten)
        {
            _prefaceWritten = true;
            // Bounded by the handler's token: its connect timeout covers setting the connection up.
            await _firstSettingsRead.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Flush() => _inner.Flush();

    // The handler speaks HTTP/2 asynchronously only.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _firstSettingsRead.TrySetResult();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _firstSettingsRead.TrySetResult();
        await _inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// At a frame's start with nothing ready: reads its header, and a SETTINGS frame whole, rewritten. Makes the header
    /// (or the whole SETTINGS frame) ready, or what the connection gave before it ended.
    /// </summary>
    private async ValueTask ReadNextFrameAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(FrameHeaderLength, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (_oneStream && !_goAwayAdded && (BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_ready + StreamIdOffset)) & StreamIdMask) is not 0 and var streamId)
        {
            AddGoAway(streamId);
        }

        var header = _buffer.AsSpan(_ready, FrameHeaderLength);
        var payloadLength = (header[0] << 16) | (header[1] << 8) | header[2];
        var isSettings = header[3] == SettingsFrameType && (header[4] & AckFlag) == 0;
        if (!isSettings || payloadLength % SettingLength != 0)
        {
            // Passed on as it is; a malformed SETTINGS frame is the handler's to refuse.
            _ready += FrameHeaderLength;
            _payloadLeft = payloadLength;
            return;
        }

        if (payloadLength > MaxSettingsPayload)
        {
            throw new IOException($"the upstream sent a SETTINGS frame of {payloadLength} bytes, over HTTP/2's {MaxSettingsPayload}");
        }

        if (!await FillAsync(FrameHeaderLength + payloadLength, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        _ready += FrameHeaderLength + CapMaxConcurrentStreams(payloadLength);
        _firstSettingsSeen = true;
    }

    /// <summary>
    /// Lowers the SETTINGS frame's maximum (at <see cref="_ready"/>) to the cap; the first SETTINGS frame without one gets
    /// one. Returns the payload's new length.
    /// </summary>
    private int CapMaxConcurrentStreams(int payloadLength)
    {
        var payload = _buffer.AsSpan(_ready + FrameHeaderLength, payloadLength);
        var found = false;
        for (var offset = 0; offset < payloadLength; offset += SettingLength)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload[offset..]) != MaxConcurrentStreamsSetting)
            {
                continue;
            }

            found = true;
            var value = payload.Slice(offset + 2, 4);
            if (BinaryPrimitives.ReadUInt32BigEndian(value) > _cap)
            {
                BinaryPrimitives.WriteUInt32BigEndian(value, _cap);
            }
        }

        // A later SETTINGS without the setting keeps the value before it, which is capped already.
        if (found || _firstSettingsSeen)
        {
            return payloadLength;
        }

        var frameEnd = _ready + FrameHeaderLength + payloadLength;
        _buffer.AsSpan(frameEnd, _end - frameEnd).CopyTo(_buffer.AsSpan(frameEnd + SettingLength));
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(frameEnd), MaxConcurrentStreamsSetting);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(frameEnd + 2), _cap);
        _end += SettingLength;
        var newLength = payloadLength + SettingLength;
        _buffer[_ready] = (byte)(newLength >> 16);
        _buffer[_ready + 1] = (byte)(newLength >> 8);
        _buffer[_ready + 2] = (byte)newLength;
        return newLength;
    }

    /// <summary>
    /// Makes ready, before the frame header at <see cref="_ready"/>, a GOAWAY (no error) whose last stream is
    /// <paramref name="lastStreamId"/>: the server's first frame on a stream comes after the handler opened it.
    /// </summary>
    private void AddGoAway(uint lastStreamId)
    {
        _buffer.AsSpan(_ready, _end - _ready).CopyTo(_buffer.AsSpan(_ready + AddedRoom));
        var frame = _buffer.AsSpan(_ready, AddedRoom);
        frame.Clear();
        frame[2] = GoAwayPayloadLength;
        frame[3] = GoAwayFrameType;
        BinaryPrimitives.WriteUInt32BigEndian(frame[FrameHeaderLength..], lastStreamId);
        _end += AddedRoom;
        _ready += AddedRoom;
        _goAwayAdded = true;
    }

    /// <summary>
    /// Reads until <paramref name="count"/> bytes not yet looked at are buffered. False when the connection ended first:
    /// what came is then ready as it is, for the handler to find the frame cut short.
    /// </summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            // Nothing is ready here, so what is buffered starts at _ready.
            _buffer.AsSpan(_ready, _end - _ready).CopyTo(_buffer);
            _end -= _ready;
            _start = _ready = 0;
        }

        while (_end - _ready < count)
        {
            // Room kept for what a frame may get: a setting, or a GOAWAY before it.
            var read = await _inner.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - AddedRoom - _end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _innerEnded = true;
                _ready = _end;
                return false;
            }

            _end += read;
        }

        return true;
    }
}
