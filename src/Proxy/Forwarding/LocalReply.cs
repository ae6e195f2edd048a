using System.Text;
using Microsoft.AspNetCore.Http;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding;

/// <summary>Responses the proxy writes itself (no route, no upstream, timeouts), shaped like Envoy's local replies.</summary>
internal static class LocalReply
{
    public static readonly byte[] NoHealthyUpstream = Encoding.ASCII.GetBytes("no healthy upstream");
    public static readonly byte[] ClusterNotFound = Encoding.ASCII.GetBytes("cluster not found");
    public static readonly byte[] UpstreamTimeout = Encoding.ASCII.GetBytes("upstream request timeout");
    public static readonly byte[] Overloaded = Encoding.ASCII.GetBytes("envoy overloaded");
    public static readonly byte[] UpstreamConnectError = Encoding.ASCII.GetBytes("upstream connect error or disconnect/reset before headers");
    public static readonly byte[] UpstreamOverflow = Encoding.ASCII.GetBytes("upstream connect error or disconnect/reset before headers. reset reason: overflow");

    public static Task WriteAsync(HttpContext context, int statusCode, byte[] body, HeaderOperationsModel? responseHeaders = null, int attempts = 0)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        context.Response.StatusCode = statusCode;
        responseHeaders?.ApplyTo(context.Response.Headers);
        if (attempts > 0)
        {
            context.Response.Headers[RouteTransformer.AttemptCountHeader] = RouteTransformer.AttemptText(attempts);
        }

        if (body.Length == 0)
        {
            return Task.CompletedTask;
        }

        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
