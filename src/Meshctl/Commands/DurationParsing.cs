using System.CommandLine.Parsing;
using System.Globalization;

namespace Mesh.Meshctl.Commands;

/// <summary>Durations as kubectl writes them: `90s`, `5m`, `1h30m`; a wrong value reads as a usage error.</summary>
internal static class DurationParsing
{
    public static TimeSpan One(ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value;
        if (TryParse(text, out var value))
        {
            return value;
        }

        result.AddError($"'{text}' is not a duration (e.g. 90s, 5m, 1h30m)");
        return TimeSpan.Zero;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]))
            {
                continue;
            }

            if (i == start || !long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            switch (text[i])
            {
                case 'h': value += TimeSpan.FromHours(number); break;
                case 'm': value += TimeSpan.FromMinutes(number); break;
                case 's': value += TimeSpan.FromSeconds(number); break;
                default: return false;
            }

            start = i + 1;
        }

        return start == text.Length && text.Length > 0 && value > TimeSpan.Zero;
    }

    /// <summary>`5m`, `90s`, `1h30m`: the way it is given.</summary>
    public static string Format(TimeSpan value)
    {
        var text = (value.Hours + (value.Days * 24) > 0 ? $"{value.Hours + (value.Days * 24)}h" : "")
            + (value.Minutes > 0 ? $"{value.Minutes}m" : "")
            + (value.Seconds > 0 || value < TimeSpan.FromSeconds(1) ? $"{value.Seconds}s" : "");
        return text.Length == 0 ? "0s" : text;
    }
}
