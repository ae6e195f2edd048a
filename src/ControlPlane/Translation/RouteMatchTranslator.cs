using Mesh.Contracts.Discovery;
using Mesh.Istio;
using Mesh.Istio.Networking;
using DiscoveryStringMatch = Mesh.Contracts.Discovery.StringMatch;
using IstioStringMatch = Mesh.Istio.StringMatch;

namespace Mesh.ControlPlane.Translation;

/// <summary>Turns an Istio HTTPMatchRequest into a route match: uri, method, authority, scheme, headers, query parameters, withoutHeaders.</summary>
internal static class RouteMatchTranslator
{
    /// <summary>
    /// A match on every request (Istio's catch-all: prefix <c>/</c>): one instance for every route that takes it, as
    /// most default routes do (2,000 a change at 1,000 services in ten namespaces). Safe because a translated message is
    /// only packed and read, never changed (a test holds this instance to its value).
    /// </summary>
    public static RouteMatch CatchAll() => SharedCatchAll;

    private static readonly RouteMatch SharedCatchAll = new() { Path = AnyPath() };

    private static DiscoveryStringMatch AnyPath() => new() { Prefix = "/" };

    public static RouteMatch Translate(HttpMatchRequest match)
    {
        var result = new RouteMatch
        {
            Path = match.Uri is { } uri ? ToStringMatch(uri) : AnyPath(),
            IgnoreUriCase = match.IgnoreUriCase,
        };
        if (match.Method is { } method) result.Method = ToStringMatch(method);
        if (match.Authority is { } authority) result.Authority = ToStringMatch(authority);
        if (match.Scheme is { } scheme) result.Scheme = ToStringMatch(scheme);
        foreach (var (name, value) in Sorted(match.Headers)) result.Headers.Add(ToHeaderMatcher(name, value));
        foreach (var (name, value) in Sorted(match.WithoutHeaders)) result.WithoutHeaders.Add(ToHeaderMatcher(name, value));
        foreach (var (name, value) in Sorted(match.QueryParams))
        {
            var parameter = new QueryParameterMatcher { Name = name };
            if (value.Type != StringMatchType.Present) parameter.Match = ToStringMatch(value);
            result.QueryParameters.Add(parameter);
        }
        return result;
    }

    private static HeaderMatcher ToHeaderMatcher(string name, IstioStringMatch value)
    {
        var header = new HeaderMatcher { Name = name.ToLowerInvariant() };
        // An empty match ({}) only asks for the header to be present.
        if (value.Type != StringMatchType.Present) header.Match = ToStringMatch(value);
        return header;
    }

    internal static DiscoveryStringMatch ToStringMatch(IstioStringMatch match) => match.Type switch
    {
        StringMatchType.Exact => new DiscoveryStringMatch { Exact = match.Value },
        StringMatchType.Prefix => new DiscoveryStringMatch { Prefix = match.Value },
        StringMatchType.Regex => new DiscoveryStringMatch { Regex = match.Value },
        // "Present" on a single-valued field (uri, method...) has no condition: everything matches.
        _ => new DiscoveryStringMatch { Prefix = "" },
    };

    private static List<KeyValuePair<string, T>> Sorted<T>(IReadOnlyDictionary<string, T> map)
    {
        var list = new List<KeyValuePair<string, T>>(map);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }
}
