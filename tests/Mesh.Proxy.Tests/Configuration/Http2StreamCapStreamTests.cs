using System.Buffers.Binary;
using System.Threading.Channels;
using CsCheck;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Tests.Configuration;

/// <summary>
/// maxConcurrentStreams between SocketsHttpHandler and an HTTP/2 connection: the server's SETTINGS as the handler reads
/// them, every other byte as it came, and the preface's write held until the first SETTINGS is read; with one request
/// per connection, a GOAWAY before the server's first frame on a stream.
/// </summary>
public sealed class Http2StreamCapStreamTests
{
    private const ushort MaxConcurrentStreams = 0x3;
    private const ushort InitialWindowSize = 0x4;
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Fact]
    public async Task Read_FirstSettingsWithoutTheLimit_GetsTheCapAdded()
    {
        var server = Settings((InitialWindowSize, 65_535));

        var read = await ReadAllAsync([server], cap: 3);

        Assert.Equal(Settings((InitialWindowSize, 65_535), (MaxConcurrentStreams, 3)), read);
    }

    [Theory]
    [InlineData(100u, 5u, 5u)]
    [InlineData(2u, 5u, 2u)]
    [InlineData(0u, 5u, 0u)]
    public async Task Read_SettingsWithTheLimit_GetsTheLowerOfTheTwo(uint server, uint cap, uint expected)
    {
        var read = await ReadAllAsync([Settings((MaxConcurrentStreams, server), (InitialWindowSize, 1))], cap);

        Assert.Equal(Settings((MaxConcurrentStreams, expected), (InitialWindowSize, 1)), read);
    }

    [Fact]
    public async Task Read_LaterSettings_AreLoweredButGetNothingAdded()
    {
        byte[] data = Frame(0x0, 0x1, 1, [1, 2, 3]);
        byte[] ack = Frame(0x4, 0x1, 0, []);

        var read = await ReadAllAsync(
            [[.. Settings(), .. data, .. ack, .. Settings((MaxConcurrentStreams, 1_000)), .. Settings((InitialWindowSize, 9))]], cap: 7);

        Assert.Equal([.. Settings((MaxConcurrentStreams, 7)), .. data, .. ack, .. Settings((MaxConcurrentStreams, 7)), .. Settings((InitialWindowSize, 9))], read);
    }

    [Fact]
    public async Task Read_AnyFramesCutAnywhere_GiveTheSameBytesAsOneReadAndEverySettingsCapped()
    {
        // Frames as a server sends them (SETTINGS first), cut into reads at random and read out in random sizes: the
        // result is the same as in one piece, every non-SETTINGS byte is the server's, and every SETTINGS is capped.
        ushort[] ids = [MaxConcurrentStreams, InitialWindowSize, 0x5];
        byte[] types = [0x0, 0x1, 0x6, 0x8];
        var setting = Gen.Select(Gen.Int[0, ids.Length - 1].Select(i => ids[i]), Gen.UInt);
        var settings = setting.Array[0, 4].Select(values => Settings(values));
        var other = Gen.Select(Gen.Int[0, types.Length - 1].Select(i => types[i]), Gen.Byte.Array[0, 40], (type, payload) => Frame(type, 0, 1, payload));
        var frames = Gen.Select(settings, Gen.Frequency<byte[]>((1, settings), (3, other)).Array[0, 12], (first, rest) => (byte[])[.. first, .. rest.SelectMany(f => f)]);
        var cuts = Gen.Int[1, 30].Array[1, 20];

        await Gen.Select(frames, cuts, cuts, Gen.UInt[1, 200]).SampleAsync(async (bytes, inputCuts, readSizes, cap) =>
        {
            var whole = await ReadAllAsync([bytes], cap);
            var cut = await ReadAllAsync(Cut(bytes, inputCuts), cap, readSizes);
            Assert.Equal(whole, cut);
            AssertCapped(bytes, whole, cap);
        }, iter: 300);
    }

    [Fact]
    public async Task Read_OneStream_TheFirstStreamsFirstFrameComesAfterAGoAwayNamingIt()
    {
        byte[] headers = Frame(0x1, 0x4, 1, [1, 2]);
        byte[] data = Frame(0x0, 0x1, 1, [3]);
        byte[] windowUpdate = Frame(0x8, 0, 0, [0, 0, 1, 0]);
        byte[] laterHeaders = Frame(0x1, 0x4, 3, [4]);

        var read = await ReadAllAsync([[.. Settings(), .. windowUpdate, .. headers, .. data, .. laterHeaders]], cap: 5, oneStream: true);

        Assert.Equal([.. Settings((MaxConcurrentStreams, 1)), .. windowUpdate, .. GoAway(lastStreamId: 1), .. headers, .. data, .. laterHeaders], read);
    }

    [Fact]
    public async Task Read_OneStream_AnyFramesCutAnywhere_GiveOneGoAwayBeforeTheFirstStreamFrame()
    {
        // As above, with one request per connection: the same bytes whatever the cuts, every SETTINGS capped at 1, and
        // one GOAWAY, naming stream 1, just before the first frame on a stream (every frame but SETTINGS is on stream 1).
        byte[] types = [0x0, 0x1, 0x3, 0x8];
        var settings = Gen.Select(Gen.UInt, value => Settings((MaxConcurrentStreams, value)));
        var other = Gen.Select(Gen.Int[0, types.Length - 1].Select(i => types[i]), Gen.Byte.Array[0, 40], (type, payload) => Frame(type, 0, 1, payload));
        var frames = Gen.Select(settings, Gen.Frequency<byte[]>((1, settings), (3, other)).Array[0, 12], (first, rest) => (byte[])[.. first, .. rest.SelectMany(f => f)]);
        var cuts = Gen.Int[1, 30].Array[1, 20];

        await Gen.Select(frames, cuts, cuts).SampleAsync(async (bytes, inputCuts, readSizes) =>
        {
            var whole = await ReadAllAsync([bytes], cap: 9, oneStream: true);
            Assert.Equal(whole, await ReadAllAsync(Cut(bytes, inputCuts), cap: 9, readSizes, oneStream: true));
            var sentFrames = Frames(bytes);
            var readFrames = Frames(whole);
            var firstOnStream = sentFrames.FindIndex(frame => frame.Type != 0x4);
            if (firstOnStream < 0)
            {
                AssertCapped(bytes, whole, 1);
                return;
            }

            Assert.Equal(0x7, readFrames[firstOnStream].Type);
            Assert.Equal([0, 0, 0, 1, 0, 0, 0, 0], readFrames[firstOnStream].Payload);
            var goAwayAt = Enumerable.Range(0, firstOnStream).Sum(i => 9 + readFrames[i].Payload.Length);
            AssertCapped(bytes, [.. whole[..goAwayAt], .. whole[(goAwayAt + 17)..]], 1);
        }, iter: 300);
    }

    [Fact]
    public async Task Read_SettingsOverTheFrameSizeLimit_Throws()
    {
        var oversized = Frame(0x4, 0, 0, new byte[16_386]);

        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync([oversized], cap: 1));

        Assert.Contains("SETTINGS frame of 16386 bytes", error.Message);
    }

    [Fact]
    public async Task Write_Preface_CompletesOnlyOnceTheHandlerAsksForMoreAfterTheFirstSettings()
    {
        var connection = new ScriptedConnection();
        await using var stream = new Http2StreamCapStream(connection, 1);

        var preface = stream.WriteAsync(Preface).AsTask();
        Assert.False(preface.IsCompleted);
        connection.Send(Settings());
        // The handler reads the frame's header, then its payload (now with the limit added).
        Assert.Equal(9, await stream.ReadAsync(new byte[9]));
        Assert.False(stream.FirstSettingsApplied, "the handler has half the frame");
        Assert.Equal(6, await stream.ReadAsync(new byte[64]));
        Assert.False(stream.FirstSettingsApplied, "the handler has not processed the frame yet");
        Assert.False(preface.IsCompleted);

        // The handler's next read, after it has processed the frame: a zero-byte read waiting for data.
        var next = stream.ReadAsync(Memory<byte>.Empty).AsTask();
        Assert.True(stream.FirstSettingsApplied);
        await preface.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Preface, connection.Written);
        Assert.False(next.IsCompleted);

        // Later writes are not held.
        await stream.WriteAsync(new byte[] { 1 }).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Write_Preface_IsReleasedWhenTheConnectionEndsWithoutSettings()
    {
        var connection = new ScriptedConnection();
        await using var stream = new Http2StreamCapStream(connection, 1);

        var preface = stream.WriteAsync(Preface).AsTask();
        var read = stream.ReadAsync(new byte[16]).AsTask();
        connection.End();

        Assert.Equal(0, await read.WaitAsync(TimeSpan.FromSeconds(10)));
        await preface.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Write_Preface_GivesUpWithTheHandlersToken()
    {
        var connection = new ScriptedConnection();
        await using var stream = new Http2StreamCapStream(connection, 1);
        using var connectTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WriteAsync(Preface, connectTimeout.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Read_ZeroBytesWithBytesBuffered_AnswersAtOnce()
    {
        var connection = new ScriptedConnection();
        await using var stream = new Http2StreamCapStream(connection, 1);
        connection.Send([.. Settings(), .. Frame(0x8, 0, 0, [0, 0, 0, 1])]);

        Assert.Equal(15, await stream.ReadAsync(new byte[64]));
        var waiting = stream.ReadAsync(Memory<byte>.Empty);

        Assert.True(waiting.IsCompleted, "the WINDOW_UPDATE is buffered, so the handler need not wait");
        Assert.Equal(13, await stream.ReadAsync(new byte[64]));
    }

    private static async Task<byte[]> ReadAllAsync(IEnumerable<byte[]> chunks, uint cap, int[]? readSizes = null, bool oneStream = false)
    {
        var connection = new ScriptedConnection();
        foreach (var chunk in chunks)
        {
            connection.Send(chunk);
        }

        connection.End();
        await using var stream = new Http2StreamCapStream(connection, cap, oneStream);
        var result = new List<byte>();
        for (var i = 0; ; i++)
        {
            var buffer = new byte[readSizes is null ? 100_000 : readSizes[i % readSizes.Length]];
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return [.. result];
            }

            result.AddRange(buffer.AsSpan(0, read));
        }
    }

    /// <summary>The server's frames and what the handler read, side by side: the same frames, SETTINGS capped.</summary>
    private static void AssertCapped(byte[] sent, byte[] read, uint cap)
    {
        var sentFrames = Frames(sent);
        var readFrames = Frames(read);
        Assert.Equal(sentFrames.Count, readFrames.Count);
        for (var i = 0; i < sentFrames.Count; i++)
        {
            var (type, payload) = sentFrames[i];
            var (readType, readPayload) = readFrames[i];
            Assert.Equal(type, readType);
            if (type != 0x4)
            {
                Assert.Equal(payload, readPayload);
                continue;
            }

            // Only the limit changes: lowered to the cap, and added to the first SETTINGS when the server sent none.
            var sentLimits = Values(payload, MaxConcurrentStreams);
            List<uint> expected = i == 0 && sentLimits.Count == 0 ? [cap] : [.. sentLimits.Select(limit => Math.Min(limit, cap))];
            Assert.Equal(expected, Values(readPayload, MaxConcurrentStreams));
            Assert.Equal(Without(payload, MaxConcurrentStreams), Without(readPayload, MaxConcurrentStreams));
        }
    }

    private static List<(byte Type, byte[] Payload)> Frames(byte[] bytes)
    {
        var frames = new List<(byte, byte[])>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = (bytes[offset] << 16) | (bytes[offset + 1] << 8) | bytes[offset + 2];
            frames.Add((bytes[offset + 3], bytes[(offset + 9)..(offset + 9 + length)]));
            offset += 9 + length;
        }

        return frames;
    }

    private static List<uint> Values(byte[] settingsPayload, ushort id)
    {
        var values = new List<uint>();
        for (var offset = 0; offset < settingsPayload.Length; offset += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(settingsPayload.AsSpan(offset)) == id)
            {
                values.Add(BinaryPrimitives.ReadUInt32BigEndian(settingsPayload.AsSpan(offset + 2)));
            }
        }

        return values;
    }

    private static List<(ushort, uint)> Without(byte[] settingsPayload, ushort id)
    {
        var settings = new List<(ushort, uint)>();
        for (var offset = 0; offset < settingsPayload.Length; offset += 6)
        {
            var setting = BinaryPrimitives.ReadUInt16BigEndian(settingsPayload.AsSpan(offset));
            if (setting != id)
            {
                settings.Add((setting, BinaryPrimitives.ReadUInt32BigEndian(settingsPayload.AsSpan(offset + 2))));
            }
        }

        return settings;
    }

    private static List<byte[]> Cut(byte[] bytes, int[] sizes)
    {
        var chunks = new List<byte[]>();
        for (int offset = 0, i = 0; offset < bytes.Length; i++)
        {
            var size = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            chunks.Add(bytes[offset..(offset + size)]);
            offset += size;
        }

        return chunks;
    }

    private static byte[] Settings(params (ushort Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(i * 6 + 2), settings[i].Value);
        }

        return Frame(0x4, 0, 0, payload);
    }

    private static byte[] GoAway(int lastStreamId)
    {
        var payload = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(payload, lastStreamId);
        return Frame(0x7, 0, 0, payload);
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame, 9);
        return frame;
    }

    /// <summary>A connection whose server side the test scripts: each chunk sent arrives as it is, split only by small reads.</summary>
    private sealed class ScriptedConnection : Stream
    {
        private readonly Channel<byte[]> _incoming = Channel.CreateUnbounded<byte[]>();
        private readonly MemoryStream _written = new();
        private byte[] _current = [];
        private int _offset;

        public byte[] Written => _written.ToArray();

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Send(byte[] chunk) => _incoming.Writer.TryWrite(chunk);

        public void End() => _incoming.Writer.TryComplete();

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            while (_offset == _current.Length)
            {
                if (!await _incoming.Reader.WaitToReadAsync(cancellationToken))
                {
                    return 0;
                }

                if (destination.IsEmpty)
                {
                    return 0;
                }

                _current = await _incoming.Reader.ReadAsync(cancellationToken);
                _offset = 0;
            }

            var count = Math.Min(destination.Length, _current.Length - _offset);
            _current.AsSpan(_offset, count).CopyTo(destination.Span);
            _offset += count;
            return count;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            _written.Write(source.Span);
            return ValueTask.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
