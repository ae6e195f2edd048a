namespace Mesh.Proxy.Model;

/// <summary>A route's CORS policy (Envoy's CORS filter), its header values ready to send.</summary>
internal sealed class CorsModel(
    StringMatcher[] allowOrigins, string? allowMethods, string? allowHeaders, string? exposeHeaders, string? maxAge, bool allowCredentials,
    bool forwardNotMatchingPreflights)
{
    public StringMatcher[] AllowOrigins { get; } = allowOrigins;

    /// <summary>Null sends no header; "*" echoes the preflight's Access-Control-Request-Method.</summary>
    public string? AllowMethods { get; } = allowMethods;

    /// <summary>Null sends no header; "*" echoes the preflight's Access-Control-Request-Headers.</summary>
    public string? AllowHeaders { get; } = allowHeaders;

    public string? ExposeHeaders { get; } = exposeHeaders;

    /// <summary>Seconds, as text; null sends no header.</summary>
    public string? MaxAge { get; } = maxAge;

    public bool AllowCredentials { get; } = allowCredentials;

    /// <summary>Whether a preflight whose Origin is not allowed goes on to the backend (Istio unmatchedPreflights FORWARD) or is answered here (IGNORE).</summary>
    public bool ForwardNotMatchingPreflights { get; } = forwardNotMatchingPreflights;

    /// <summary>
    /// Envoy's isOriginAllowed: a matcher that accepts "*" allows every origin (so <c>exact: "*"</c> is a wildcard),
    /// otherwise the Origin must match one.
    /// </summary>
    public bool AllowsOrigin(string origin)
    {
        foreach (var matcher in AllowOrigins)
        {
            if (matcher.Matches("*") || matcher.Matches(origin))
            {
                return true;
            }
        }

        return false;
    }
}
