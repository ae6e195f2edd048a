using System.Text;
using Mesh.Proxy.Listeners;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>The SNI parser against real ClientHellos from SslStream, every truncation of them, and broken length fields.</summary>
public sealed class ClientHelloParserTests
{
    [Fact]
    public async Task TryReadServerName_RealClientHello_ReturnsTheNameLowerCased()
    {
        var hello = await ClientHelloCapture.CaptureAsync("Api.Example.com");

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.TryReadServerName(hello, out var name));
        Assert.Equal("api.example.com", name);
    }

    [Fact]
    public async Task TryReadServerName_ClientWithoutSni_CompleteWithoutName()
    {
        // SslStream sends no SNI for an IP address.
        var hello = await ClientHelloCapture.CaptureAsync("127.0.0.1");

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloParser.TryReadServerName(hello, out var name));
        Assert.Null(name);
    }

    [Fact]
    public async Task TryReadServerName_EveryTruncation_NeedsMoreData()
    {
        var hello = await ClientHelloCapture.CaptureAsync("api.example.com");

        for (var length = 0; length < hello.Length; length++)
        {
            Assert.Equal(ClientHelloStatus.NeedMoreData, ClientHelloParser.TryReadServerName(hello.AsSpan(0, length), out _));
        }
    }

    [Fact]
    public async Task TryReadServerName_HandshakeLongerThanItsRecord_Invalid()
    {
        var hello = await ClientHelloCapture.CaptureAsync("api.example.com");
        hello[7] = 0xff; // the handshake message length's middle byte

        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryReadServerName(hello, out _));
    }

    [Fact]
    public async Task TryReadServerName_ServerNameWithForbiddenCharacter_Invalid()
    {
        var hello = await ClientHelloCapture.CaptureAsync("api.example.com");
        var at = hello.AsSpan().IndexOf("example"u8);
        hello[at] = (byte)'/';

        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryReadServerName(hello, out _));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n")]
    public void TryReadServerName_Plaintext_Invalid(string text)
    {
        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryReadServerName(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void TryReadServerName_RecordLongerThanTlsAllows_Invalid()
    {
        byte[] header = [0x16, 0x03, 0x01, 0x40, 0x01];

        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryReadServerName(header, out _));
    }

    [Fact]
    public void TryReadServerName_ServerHelloInsteadOfClientHello_Invalid()
    {
        byte[] record = [0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00];

        Assert.Equal(ClientHelloStatus.Invalid, ClientHelloParser.TryReadServerName(record, out _));
    }

    [Fact]
    public async Task TryReadServerName_EveryByteCorrupted_NeverThrows()
    {
        var hello = await ClientHelloCapture.CaptureAsync("api.example.com");
        var random = new Random(11);

        for (var i = 0; i < hello.Length; i++)
        {
            var corrupted = (byte[])hello.Clone();
            corrupted[i] = (byte)random.Next(256);
            var status = ClientHelloParser.TryReadServerName(corrupted, out var name);
            Assert.True(Enum.IsDefined(status));
            Assert.True(name is null || status == ClientHelloStatus.Complete);
        }
    }
}
