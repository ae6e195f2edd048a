using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Mesh.Proxy.Capture;

/// <summary>
/// Whether the pod is IPv6, as Istio decides it: the first address that is not loopback or link-local says the family
/// (with dual stack, any IPv6 address does). Only then are IPv6 rules written.
/// </summary>
internal static class PodAddresses
{
    /// <summary>True for an IPv6 pod, false for IPv4; null when the pod has no usable address at all.</summary>
    public static bool? IsIpv6(bool dualStack)
    {
        bool? found = null;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var address = unicast.Address.IsIPv4MappedToIPv6 ? unicast.Address.MapToIPv4() : unicast.Address;
                if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || IsIpv4LinkLocal(address))
                {
                    continue;
                }

                var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
                if (!dualStack || ipv6)
                {
                    return ipv6;
                }

                found = false;
            }
        }

        return found;
    }

    private static bool IsIpv4LinkLocal(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return bytes[0] == 169 && bytes[1] == 254;
    }
}
