using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>
/// Where a use_original_dst listener hands each connection (Envoy's original-destination listener lookup): the
/// listener whose address and port are the connection's original destination, else the one on the wildcard address
/// with that port. Only listeners of the capturing listener's direction take its connections, so an inbound
/// connection to a port the workload does not serve never meets an outbound listener of the same port.
/// </summary>
internal sealed class HandoffTable
{
    public static readonly HandoffTable Empty = new(FrozenDictionary<(TrafficDirection, IPAddress, int), ListenerModel>.Empty);

    private readonly FrozenDictionary<(TrafficDirection Direction, IPAddress Address, int Port), ListenerModel> _byDestination;

    private HandoffTable(FrozenDictionary<(TrafficDirection, IPAddress, int), ListenerModel> byDestination) => _byDestination = byDestination;

    public int Count => _byDestination.Count;

    /// <summary>Every listener but the capturing ones (a connection to a capturing listener's own socket is a direct client).</summary>
    public static HandoffTable Build(IEnumerable<ListenerModel> listeners)
    {
        var byDestination = new Dictionary<(TrafficDirection, IPAddress, int), ListenerModel>();
        foreach (var listener in listeners)
        {
            if (!listener.UseOriginalDst)
            {
                byDestination[(listener.Config.Direction, Normalize(listener.EndPoint.Address), listener.EndPoint.Port)] = listener;
            }
        }

        return byDestination.Count == 0 ? Empty : new HandoffTable(byDestination.ToFrozenDictionary());
    }

    /// <summary>The listener of <paramref name="destination"/>: its exact address and port, else 0.0.0.0 (or ::) with the port; null when none.</summary>
    public ListenerModel? Find(TrafficDirection direction, IPEndPoint destination)
    {
        if (_byDestination.Count == 0)
        {
            return null;
        }

        var address = Normalize(destination.Address);
        var port = destination.Port;
        if (_byDestination.TryGetValue((direction, address, port), out var exact))
        {
            return exact;
        }

        if (_byDestination.TryGetValue((direction, IPAddress.Any, port), out var wildcard))
        {
            return wildcard;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && _byDestination.TryGetValue((direction, IPAddress.IPv6Any, port), out var wildcard6)
            ? wildcard6
            : null;
    }

    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d; listeners name it as a.b.c.d.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
