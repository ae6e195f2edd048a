using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Forwarding;

/// <summary>Answers a redirect route: builds the Location from the request with the route's replacements, as Envoy does.</summary>
internal static class RedirectResponder
{
    public static void Respond(HttpContext context, RedirectModel redirect)
    {
        var request = context.Request;
        var scheme = redirect.Scheme ?? request.Scheme;
        var authority = redirect.Host ?? request.Host.Value ?? string.Empty;
        var host = Authority.Split(authority, isHttps: false, out _);
        if (redirect.Port != 0)
        {
            authority = string.Concat(host, ":", redirect.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (redirect.Scheme is not null && !string.Equals(redirect.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            // A scheme change drops the old scheme's default port (http://h:80 → https://h).
            var hadPort = host.Length < authority.Length;
            Authority.Split(authority, isHttps: false, out var port);
            if (hadPort && port is 80 or 443)
            {
                authority = host.ToString();
            }
        }

        string pathAndQuery;
        if (redirect.Path is not null)
        {
            // A query in path_redirect replaces the request's; otherwise the request's query is kept.
            pathAndQuery = redirect.Path.Contains('?') ? redirect.Path : redirect.Path + request.QueryString.Value;
        }
        else
        {
            pathAndQuery = RouteMatchModel.PathOf(request) + request.QueryString.Value;
        }

        context.Response.StatusCode = redirect.StatusCode;
        context.Response.Headers.Location = $"{scheme}://{authority}{pathAndQuery}";
    }
}
