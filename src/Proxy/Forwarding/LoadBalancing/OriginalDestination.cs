using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Forwarding.LoadBalancing;

/// <summary>
/// Istio PASSTHROUGH (Envoy ORIGINAL_DST): no balancing, the request goes where the caller sent it. On a captured
/// connection that is the address iptables redirected (SO_ORIGINAL_DST, <see cref="OriginalDestinationFeature"/>);
/// inbound, the application at that port (Istio's InboundPassthroughCluster). Without iptables the original
/// destination is what the caller addressed through the outbound listener, the request's authority: an IP address
/// there is the destination. A name (a service's host) has no address of its own in this mesh; the platform's
/// balancing behind it, kube-proxy's random choice behind a ClusterIP, is what the picker does then.
/// </summary>
internal static class OriginalDestination
{
    /// <summary>The captured connection's destination, else the authority's address and port (80 when it has none); null for a host name.</summary>
    /// <param name="applicationHost">Where the local application listens (--app's host): inbound passthrough goes there, at the original port.</param>
    public static EndpointModel? Of(HttpContext context, string? applicationHost)
    {
        if (context.Features.Get<OriginalDestinationFeature>() is { } captured)
        {
            var inbound = captured.Listener.Config.Direction == TrafficDirection.Inbound && applicationHost is not null;
            var endpoint = new Endpoint { Address = inbound ? applicationHost : captured.Destination.Address.ToString(), Port = (uint)captured.Destination.Port };
            return new EndpointModel(endpoint, new EndpointState());
        }

        var host = context.Request.Host;
        var name = host.Host;
        if (name.Length > 2 && name[0] == '[' && name[^1] == ']')
        {
            name = name[1..^1];
        }

        if (!IPAddress.TryParse(name, out var address))
        {
            return null;
        }

        var port = host.Port ?? (context.Request.IsHttps ? 443 : 80);
        return new EndpointModel(new Endpoint { Address = address.ToString(), Port = (uint)port }, new EndpointState());
    }
}
