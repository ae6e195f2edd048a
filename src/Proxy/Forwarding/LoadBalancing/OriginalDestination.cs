using System.Net;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Forwarding.LoadBalancing;

/// <summary>
/// Istio PASSTHROUGH (Envoy ORIGINAL_DST): no balancing, the request goes where the caller sent it. Without iptables
/// the original destination is what the caller addressed through the outbound listener, the request's authority:
/// an IP address there is the destination. A name (a service's host) has no address of its own in this mesh; the
/// platform's balancing behind it, kube-proxy's random choice behind a ClusterIP, is what the picker does then.
/// </summary>
internal static class OriginalDestination
{
    /// <summary>The authority's address and port (80 when it has none); null for a host name.</summary>
    public static EndpointModel? Of(HttpContext context)
    {
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
