using System.Text.RegularExpressions;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>Reads series out of a Prometheus text exposition.</summary>
internal static class Exposition
{
    /// <summary>
    /// Scrapes the proxy until it has recorded <paramref name="requests"/> requests: a proxy records a request once
    /// its handler is done, which can be just after the client has read a response with a Content-Length.
    /// </summary>
    public static async Task<string> ScrapeAfterRequestsAsync(HttpClient admin, int requests)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var exposition = await admin.GetStringAsync("/stats/prometheus", deadline.Token);
            var recorded = 0.0;
            foreach (var line in exposition.Split('\n'))
            {
                // The route family is recorded last of a request's metrics.
                if (line.StartsWith("mesh_route_requests_total{", StringComparison.Ordinal))
                {
                    recorded += double.Parse(line[(line.LastIndexOf('}') + 2)..], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (recorded >= requests)
            {
                // Once more: a page is written family by family, not at one instant, so a family written before the
                // route family may lack requests it counts. A request is recorded in the route family last, so once
                // that counts them all, a page begun after holds them all in every family.
                return await admin.GetStringAsync("/stats/prometheus", deadline.Token);
            }

            await Task.Delay(10, deadline.Token);
        }
    }

    /// <summary>The one series of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public static (double Value, Dictionary<string, string> Labels) Series(string exposition, string name, params (string Name, string Value)[] labels)
    {
        var matches = new List<(double, Dictionary<string, string>)>();
        foreach (var line in exposition.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var parsed = Regex.Matches(line[(name.Length + 1)..close], "([a-z_]+)=\"((?:[^\"\\\\]|\\\\.)*)\"")
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => parsed.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                matches.Add((double.Parse(line[(close + 2)..], System.Globalization.CultureInfo.InvariantCulture), parsed));
            }
        }

        Assert.True(matches.Count == 1, $"expected one {name} series with {string.Join(",", labels)}, found {matches.Count}:\n{exposition}");
        return matches[0];
    }
}
