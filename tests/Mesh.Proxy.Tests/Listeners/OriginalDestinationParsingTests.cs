using System.Buffers;
using System.Net;
using System.Text;
using Mesh.Proxy.Listeners;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>The byte-level parts of capture: the kernel's sockaddr answers to SO_ORIGINAL_DST, and the AUTO sniffer's verdicts.</summary>
public sealed class OriginalDestinationParsingTests
{
    [Fact]
    public void Parse_SockaddrIn_PortInNetworkOrder()
    {
        // AF_INET (host order), port 9080 (network order), 10.96.0.10, zero padding.
        byte[] sockaddr = [.. BitConverter.GetBytes((ushort)2), 0x23, 0x78, 10, 96, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(IPEndPoint.Parse("10.96.0.10:9080"), SocketOriginalDestinations.Parse(sockaddr));
    }

    [Fact]
    public void Parse_SockaddrIn6_AddressAndPort()
    {
        var address = IPAddress.Parse("fd00::1234").GetAddressBytes();
        byte[] sockaddr = [.. BitConverter.GetBytes((ushort)10), 0x01, 0xBB, 0, 0, 0, 0, .. address, .. BitConverter.GetBytes(0u)];

        Assert.Equal(IPEndPoint.Parse("[fd00::1234]:443"), SocketOriginalDestinations.Parse(sockaddr));
    }

    [Fact]
    public void Parse_TruncatedOrUnknownFamily_Null()
    {
        Assert.Null(SocketOriginalDestinations.Parse([2]));
        Assert.Null(SocketOriginalDestinations.Parse([.. BitConverter.GetBytes((ushort)1), 0, 80, 1, 2, 3, 4]));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n", "Http1")]
    [InlineData("OPTIONS * HTTP/1.1\r\n", "Http1")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "Http2")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000", "Tcp")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n", "Tcp")]
    [InlineData("GETX", "Tcp")]
    [InlineData("get / HTTP/1.1\r\n", "Tcp")]
    public void Examine_FirstBytes_Verdict(string first, string expected)
    {
        Assert.Equal(Enum.Parse<SniffedProtocol>(expected), ProtocolSniffing.Examine(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(first)), ended: false));
    }

    [Theory]
    [InlineData("G")]
    [InlineData("DELE")]
    [InlineData("PRI * HTTP/2")]
    public void Examine_PrefixOfHttp_WaitsForMoreUnlessTheClientStopped(string first)
    {
        var bytes = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(first));

        Assert.Null(ProtocolSniffing.Examine(bytes, ended: false));
        Assert.Equal(SniffedProtocol.Tcp, ProtocolSniffing.Examine(bytes, ended: true));
    }
}
