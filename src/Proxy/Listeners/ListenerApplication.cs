using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Identity;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// The application a listener's Kestrel server runs: every request goes to the proxy handler, tagged with the listener's socket.
/// On a sidecar inbound listener the request carries the verified peer (<see cref="PeerIdentityFeature"/>) and the
/// application gets x-forwarded-client-cert from us only (Envoy's SANITIZE_SET): a client cannot forge it.
/// A connection a captured listener handed off (<see cref="OriginalDestinationFeature"/>) is routed by the listener
/// it was handed to, of the same direction.
/// </summary>
internal sealed class ListenerApplication(IHttpContextFactory contextFactory, ProxyRequestHandler handler, string endPointKey, bool inbound) : IHttpApplication<HttpContext>
{
    private const string ForwardedClientCert = "x-forwarded-client-cert";

    public HttpContext CreateContext(IFeatureCollection contextFeatures) => contextFactory.Create(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context)
    {
        if (inbound)
        {
            var headers = context.Request.Headers;
            headers.Remove(ForwardedClientCert);
            if (context.Features.Get<PeerIdentityFeature>() is { } peer)
            {
                headers[ForwardedClientCert] = peer.ForwardedClientCert;
            }
        }

        var listener = context.Features.Get<OriginalDestinationFeature>()?.Listener.EndPointKey ?? endPointKey;
        return handler.HandleAsync(context, listener);
    }

    public void DisposeContext(HttpContext context, Exception? exception) => contextFactory.Dispose(context);
}
