using Mesh.Proxy.Forwarding;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Listeners;

/// <summary>The application a listener's Kestrel server runs: every request goes to the proxy handler, tagged with the listener's socket.</summary>
internal sealed class ListenerApplication(IHttpContextFactory contextFactory, ProxyRequestHandler handler, string endPointKey) : IHttpApplication<HttpContext>
{
    public HttpContext CreateContext(IFeatureCollection contextFeatures) => contextFactory.Create(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context) => handler.HandleAsync(context, endPointKey);

    public void DisposeContext(HttpContext context, Exception? exception) => contextFactory.Dispose(context);
}
