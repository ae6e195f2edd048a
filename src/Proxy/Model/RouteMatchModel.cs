using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>A compiled <c>RouteMatch</c>: every condition present must hold, and none of the without-headers may match.</summary>
internal sealed class RouteMatchModel(
    StringMatcher? path,
    StringMatcher? method,
    StringMatcher? authority,
    StringMatcher? scheme,
    HeaderMatcherModel[] headers,
    QueryParameterMatcherModel[] queryParameters,
    HeaderMatcherModel[] withoutHeaders)
{
    public StringMatcher? Path { get; } = path;

    public bool Matches(HttpRequest request)
    {
        if (Path is not null && !Path.Matches(PathOf(request)))
        {
            return false;
        }

        if (method is not null && !method.Matches(request.Method))
        {
            return false;
        }

        if (authority is not null && !authority.Matches(request.Host.Value))
        {
            return false;
        }

        if (scheme is not null && !scheme.Matches(request.Scheme))
        {
            return false;
        }

        foreach (var header in headers)
        {
            if (!header.Matches(request.Headers))
            {
                return false;
            }
        }

        if (queryParameters.Length > 0)
        {
            // Parsing the query is paid only by routes that match on it.
            var query = request.Query;
            foreach (var parameter in queryParameters)
            {
                if (!parameter.Matches(query))
                {
                    return false;
                }
            }
        }

        return withoutHeaders.Length == 0 || !HeaderMatcherModel.MatchesAny(withoutHeaders, request.Headers);
    }

    /// <summary>The path without the query string; an empty path is "/".</summary>
    public static string PathOf(HttpRequest request) => request.Path.HasValue ? request.Path.Value! : "/";
}
