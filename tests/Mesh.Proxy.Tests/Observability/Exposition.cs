using System.Text.RegularExpressions;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>Reads series out of a Prometheus text exposition.</summary>
internal static class Exposition
{
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
