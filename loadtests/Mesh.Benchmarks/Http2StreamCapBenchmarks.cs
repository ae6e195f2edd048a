using BenchmarkDotNet.Attributes;
using Mesh.Proxy.Configuration;

namespace Mesh.Benchmarks;

/// <summary>
/// What maxConcurrentStreams costs the reading of an upstream HTTP/2 connection (only clusters that set it pay it): a
/// server's SETTINGS and 100 responses, each a HEADERS frame and a DATA frame of <see cref="BodyBytes"/>, read the way
/// SocketsHttpHandler reads (a zero-byte read, then into its buffer), straight from the connection and through
/// <see cref="Http2StreamCapStream"/>. The connection hands out at most 16 KiB a read, as a socket would.
/// </summary>
[MemoryDiagnoser]
public class Http2StreamCapBenchmarks
{
    private const int Responses = 100;
    private byte[] _connection = [];
    private readonly byte[] _handlerBuffer = new byte[16 * 1024];

    [Params(1_024, 16_384)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Frame(0x4, 0, [0, 0x4, 0, 0, 0xFF, 0xFF]));
        for (var stream = 1; stream < 2 * Responses; stream += 2)
        {
            bytes.AddRange(Frame(0x1, 0x4, stream, new byte[40]));
            bytes.AddRange(Frame(0x0, 0x1, stream, new byte[BodyBytes]));
        }

        _connection = [.. bytes];
    }

    [Benchmark(Baseline = true)]
    public Task<long> Direct() => ReadAllAsync(new ChunkedStream(_connection));

    [Benchmark]
    public Task<long> Capped() => ReadAllAsync(new Http2StreamCapStream(new ChunkedStream(_connection), 100));

    private async Task<long> ReadAllAsync(Stream connection)
    {
        long total = 0;
        while (true)
        {
            _ = await connection.ReadAsync(Memory<byte>.Empty);
            var read = await connection.ReadAsync(_handlerBuffer);
            if (read == 0)
            {
                return total;
            }

            total += read;
        }
    }

    private static byte[] Frame(byte type, byte flags, int streamId, byte[] payload) =>
        [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, flags,
         (byte)(streamId >> 24), (byte)(streamId >> 16), (byte)(streamId >> 8), (byte)streamId, .. payload];

    private static byte[] Frame(byte type, byte flags, byte[] payload) => Frame(type, flags, 0, payload);

    /// <summary>A connection whose bytes are all there, handed out at most 16 KiB a read.</summary>
    private sealed class ChunkedStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 16 * 1024)], cancellationToken);
    }
}
