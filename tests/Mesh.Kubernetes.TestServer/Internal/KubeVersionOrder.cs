using System.Text.RegularExpressions;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Kubernetes' version priority: GA before beta before alpha, higher numbers first, anything else last by name
/// (how the real server picks a group's preferred version).
/// </summary>
internal static partial class KubeVersionOrder
{
    public static int Compare(string left, string right)
    {
        var a = Rank(left);
        var b = Rank(right);
        if (a.Level != b.Level)
        {
            return a.Level.CompareTo(b.Level);
        }
        if (a.Major != b.Major)
        {
            return b.Major.CompareTo(a.Major);
        }
        if (a.Minor != b.Minor)
        {
            return b.Minor.CompareTo(a.Minor);
        }
        return string.CompareOrdinal(left, right);
    }

    private static (int Level, int Major, int Minor) Rank(string version)
    {
        var match = VersionPattern().Match(version);
        if (!match.Success)
        {
            return (3, 0, 0);
        }
        var major = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var minor = match.Groups[3].Success ? int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var level = match.Groups[2].Value switch { "" => 0, "beta" => 1, _ => 2 };
        return (level, major, minor);
    }

    [GeneratedRegex("^v([0-9]+)(?:(alpha|beta)([0-9]+))?$")]
    private static partial Regex VersionPattern();
}
