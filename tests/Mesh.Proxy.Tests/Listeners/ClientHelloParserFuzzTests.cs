using System.Buffers.Binary;
using CsCheck;
using Mesh.Proxy.Listeners;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// Fuzzes the ClientHello parser with CsCheck, a few seconds per property: random records, and real ClientHellos
/// (the committed seed corpus from openssl and curl, and SslStream's) truncated, with length fields at their bounds,
/// and otherwise corrupted. It never throws, always answers a status, never reads past the first record, and a
/// name it returns is always a clean host name. A failure prints the seed that reproduces it.
/// </summary>
public sealed class ClientHelloParserFuzzTests
{
    private const int SecondsPerProperty = 3;

    // One thread: CsCheck takes every core by default, and starved the timing-sensitive tests running beside it
    // (certificate renewal at half of a 4 s lifetime ran late).
    private const int Threads = 1;

    public static TheoryData<string, string?> Corpus => new()
    {
        { "openssl-tls13-sni.bin", "api.example.com" },
        { "openssl-tls12-sni.bin", "api.example.com" },
        { "openssl-no-sni.bin", null },
        { "openssl-alpn-h2-session-ticket.bin", "a.b-c_d.example.com" },
        { "curl-http2.bin", "www.example.com" },
        { "curl-tls12-http11.bin", "shop.example.com" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void TryReadServerName_SeedCorpus_CompleteWithItsName(string file, string? expected)
    {
        var hello = File.ReadAllBytes(CorpusPath(file));

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.TryReadServerName(hello, out var name));
        Assert.Equal(expected, name);
    }

    [Fact]
    public void TryReadServerName_RandomRecords_WellBehaved() =>
        ClientHelloMutations.RandomRecords.Sample(AssertWellBehaved, time: SecondsPerProperty, threads: Threads, print: Hex);

    [Fact]
    public async Task TryReadServerName_MutatedRealClientHellos_WellBehaved()
    {
        var seeds = await SeedsAsync();

        ClientHelloMutations.Mutated(seeds).Sample(AssertWellBehaved, time: SecondsPerProperty, threads: Threads, print: Hex);
    }

    [Fact]
    public async Task LengthFields_SeedCorpus_FindsEveryLengthTheParserReads()
    {
        // The mutator is only as good as its map of the length fields: record, handshake, session id, cipher suites,
        // compression, extensions, one per extension, and the server_name list and name.
        foreach (var seed in await SeedsAsync())
        {
            Assert.True(ClientHelloMutations.LengthFields(seed).Count >= 8, Hex(seed));
        }
    }

    /// <summary>The parser's contract, whatever the bytes.</summary>
    private static void AssertWellBehaved(byte[] data)
    {
        var status = ClientHelloParser.TryReadServerName(data, out var name);

        Assert.True(Enum.IsDefined(status), $"status {status}");
        if (name is not null)
        {
            Assert.Equal(ClientHelloStatus.Complete, status);
            Assert.InRange(name.Length, 1, 255);
            Assert.True(name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '.' or '_'), $"name '{name}'");
        }

        if (status == ClientHelloStatus.NeedMoreData)
        {
            Assert.True(data.Length < ClientHelloParser.MaxClientHelloBytes, "asked for more data past the largest possible record");
            return;
        }

        // Once decided, what follows the first record cannot change the answer: nothing past it was read.
        byte[] followed = [.. data, 0x16, 0x03, 0x03, 0xff, 0xff, .. data];
        Assert.Equal(status, ClientHelloParser.TryReadServerName(followed, out var again));
        Assert.Equal(name, again);

        // And a complete hello was complete only at its record's end: every shorter prefix needs more data.
        if (status == ClientHelloStatus.Complete)
        {
            var recordEnd = ClientHelloParser.RecordHeaderLength + BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(3));
            foreach (var length in (int[])[0, 4, recordEnd / 2, recordEnd - 1])
            {
                Assert.Equal(ClientHelloStatus.NeedMoreData, ClientHelloParser.TryReadServerName(data.AsSpan(0, length), out _));
            }
        }
    }

    private static async Task<List<byte[]>> SeedsAsync()
    {
        var seeds = Directory.GetFiles(Path.GetDirectoryName(CorpusPath("x"))!, "*.bin").Select(File.ReadAllBytes).ToList();
        seeds.Add(await ClientHelloCapture.CaptureAsync("api.example.com"));
        seeds.Add(await ClientHelloCapture.CaptureAsync("127.0.0.1"));
        return seeds;
    }

    private static string CorpusPath(string file) => Path.Combine(AppContext.BaseDirectory, "Listeners", "ClientHelloCorpus", file);

    private static string Hex(byte[] data) => Convert.ToHexString(data);
}
