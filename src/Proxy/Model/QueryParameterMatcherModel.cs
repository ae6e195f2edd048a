using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>A compiled query-parameter condition: the parameter must be present and, when a matcher is given, its first value must match.</summary>
internal sealed class QueryParameterMatcherModel(string name, StringMatcher? matcher)
{
    public bool Matches(IQueryCollection query)
    {
        if (!query.TryGetValue(name, out var values) || values.Count == 0)
        {
            return false;
        }

        return matcher is null || matcher.Matches(values[0]);
    }
}
