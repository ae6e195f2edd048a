using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// A route's CORS policy as Envoy's CORS filter applies it, after fault injection as in Istio's filter chain. A
/// request with an Origin is a CORS request. A preflight (OPTIONS with Origin and Access-Control-Request-Method) whose
/// Origin is allowed is answered here, 200 with no body; one whose Origin is not allowed goes on to the backend when
/// the policy forwards unmatched preflights (Istio's default), else it is answered here without Allow-Origin. Every
/// other response to a request whose Origin is allowed (the backend's or the proxy's own) carries Allow-Origin (the
/// request's Origin), Allow-Credentials and Expose-Headers.
/// </summary>
internal static class CorsResponder
{
    /// <summary>Envoy's response code details for a preflight it answered.</summary>
    private const string CorsResponse = "cors_response";

    private const string True = "true";

    /// <summary>True when the preflight was answered here; false when the request goes on.</summary>
    public static bool Apply(HttpContext context, ProxyRequestFeature feature, CorsModel cors)
    {
        var request = context.Request;
        var origin = request.Headers.Origin;
        if (origin.Count == 0 || string.IsNullOrEmpty(origin[0]))
        {
            return false;
        }

        var originText = origin[0]!;
        var allowed = cors.AllowsOrigin(originText);
        var requestMethod = request.Headers.AccessControlRequestMethod;
        var isPreflight = HttpMethods.IsOptions(request.Method) && requestMethod.Count > 0 && !string.IsNullOrEmpty(requestMethod[0]);
        if (!isPreflight || !allowed && cors.ForwardNotMatchingPreflights)
        {
            if (allowed)
            {
                context.Response.OnStarting(static state => AddActualResponseHeaders((CorsState)state), new CorsState(context.Response, cors, originText));
            }

            return false;
        }

        var headers = context.Response.Headers;
        context.Response.StatusCode = StatusCodes.Status200OK;
        feature.ResponseCodeDetails = CorsResponse;
        if (allowed)
        {
            headers.AccessControlAllowOrigin = originText;
        }

        if (cors.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = True;
        }

        if (cors.AllowMethods is { } methods)
        {
            headers.AccessControlAllowMethods = methods == "*" ? requestMethod : methods;
        }

        if (cors.AllowHeaders is { } allowHeaders)
        {
            headers.AccessControlAllowHeaders = allowHeaders == "*" ? request.Headers.AccessControlRequestHeaders : allowHeaders;
        }

        if (cors.MaxAge is { } maxAge)
        {
            headers.AccessControlMaxAge = maxAge;
        }

        headers.ContentLength = 0;
        return true;
    }

    private static Task AddActualResponseHeaders(CorsState state)
    {
        var headers = state.Response.Headers;
        headers.AccessControlAllowOrigin = state.Origin;
        if (state.Cors.AllowCredentials)
        {
            headers.AccessControlAllowCredentials = True;
        }

        if (state.Cors.ExposeHeaders is { } expose)
        {
            headers.AccessControlExposeHeaders = expose;
        }

        return Task.CompletedTask;
    }

    private sealed record CorsState(HttpResponse Response, CorsModel Cors, string Origin);
}
