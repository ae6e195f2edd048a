using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>A compiled header condition: the header must be present and, when a matcher is given, its value must match.</summary>
internal sealed class HeaderMatcherModel(string name, StringMatcher? matcher)
{
    public string Name { get; } = name;

    public bool Matches(IHeaderDictionary headers)
    {
        var values = headers[Name];
        if (values.Count == 0)
        {
            return false;
        }

        if (matcher is null)
        {
            return true;
        }

        // Envoy matches a repeated header against its values joined with ','; that join is the only allocation here and is rare.
        return values.Count == 1 ? matcher.Matches(values[0]) : matcher.Matches(values.ToString());
    }

    public static bool MatchesAny(HeaderMatcherModel[] matchers, IHeaderDictionary headers)
    {
        foreach (var matcher in matchers)
        {
            if (matcher.Matches(headers))
            {
                return true;
            }
        }

        return false;
    }
}
