using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Reads SO_ORIGINAL_DST from the accepted socket, as Envoy's original_dst listener filter does: getsockopt(SOL_IP,
/// SO_ORIGINAL_DST) for IPv4 (a sockaddr_in), getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST) for IPv6 (a sockaddr_in6).
/// The kernel answers from the connection's NAT entry; a connection nothing redirected has none (ENOENT).
/// </summary>
internal sealed class SocketOriginalDestinations : IOriginalDestinations
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    // SO_ORIGINAL_DST and IP6T_SO_ORIGINAL_DST (linux/netfilter_ipv4.h, linux/netfilter_ipv6/ip6_tables.h).
    private const int SoOriginalDst = 80;
    private const int SockaddrInLength = 16;
    private const int SockaddrIn6Length = 28;

    public IPEndPoint? Find(ConnectionContext connection)
    {
        if (!OperatingSystem.IsLinux()
            || connection.Features.Get<IConnectionSocketFeature>()?.Socket is not { } socket
            || connection.LocalEndPoint is not IPEndPoint local)
        {
            return null;
        }

        var ipv4 = local.AddressFamily == AddressFamily.InterNetwork || local.Address.IsIPv4MappedToIPv6;
        Span<byte> address = stackalloc byte[SockaddrIn6Length];
        int length;
        try
        {
            length = socket.GetRawSocketOption(ipv4 ? SolIp : SolIpv6, SoOriginalDst, address);
        }
        catch (SocketException)
        {
            // No NAT entry (a client that connected to the port itself), or a socket already gone.
            return null;
        }

        return Parse(address[..length]);
    }

    /// <summary>A sockaddr_in or sockaddr_in6 as the kernel writes it: the family in host order, the port in network order.</summary>
    internal static IPEndPoint? Parse(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < 2)
        {
            return null;
        }

        var family = BitConverter.ToUInt16(sockaddr);
        if (family == (ushort)AddressFamily.InterNetwork && sockaddr.Length >= SockaddrInLength - 8)
        {
            return new IPEndPoint(new IPAddress(sockaddr.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
        }

        // AF_INET6 is 10 on Linux (AddressFamily.InterNetworkV6 is Windows' 23).
        const ushort linuxInet6 = 10;
        if (family == linuxInet6 && sockaddr.Length >= SockaddrIn6Length)
        {
            var scope = BitConverter.ToUInt32(sockaddr[24..]);
            return new IPEndPoint(new IPAddress(sockaddr.Slice(8, 16), scope), BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]));
        }

        return null;
    }
}
