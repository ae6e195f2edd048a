using Mesh.Istio.Networking;
using DiscoveryCorsPolicy = Mesh.Contracts.Discovery.CorsPolicy;
using IstioCorsPolicy = Mesh.Istio.Networking.CorsPolicy;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's HTTPRoute.corsPolicy as its pilot translates it (route.translateCORSPolicy) for Envoy's CORS filter:
/// allowOrigins, else the deprecated allowOrigin as exact matches; lists joined with ","; maxAge in whole seconds;
/// unmatchedPreflights IGNORE stops forwarding preflights whose Origin is not allowed, anything else forwards them.
/// </summary>
internal static class CorsTranslator
{
    public static DiscoveryCorsPolicy? Translate(IstioCorsPolicy? cors)
    {
        if (cors is null) return null;
        var result = new DiscoveryCorsPolicy
        {
            AllowMethods = string.Join(',', cors.AllowMethods),
            AllowHeaders = string.Join(',', cors.AllowHeaders),
            ExposeHeaders = string.Join(',', cors.ExposeHeaders),
            MaxAge = cors.MaxAge is { } maxAge ? ((long)maxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : "",
            AllowCredentials = cors.AllowCredentials ?? false,
            ForwardNotMatchingPreflights = cors.UnmatchedPreflights != UnmatchedPreflights.Ignore,
        };
        if (cors.AllowOrigins.Count > 0)
        {
            foreach (var origin in cors.AllowOrigins) result.AllowOrigins.Add(RouteMatchTranslator.ToStringMatch(origin));
        }
        else
        {
            foreach (var origin in cors.AllowOrigin) result.AllowOrigins.Add(new Contracts.Discovery.StringMatch { Exact = origin });
        }
        return result;
    }
}
