using System.Globalization;

namespace Mesh.Istio;

/// <summary>
/// Parses durations as Istio's YAML accepts them: a sequence of decimal numbers each with a unit
/// ("1.5s", "100ms", "1h2m", "300s"), units h, m, s, ms, us (µs), ns — the Go syntax, of which the protobuf "Ns" form is a case.
/// </summary>
public static class IstioDuration
{
    private const double NanosPerTick = 100;

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var s = text.AsSpan().Trim();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.SequenceEqual("0"))
        {
            return true;
        }

        if (s.Length == 0)
        {
            return false;
        }

        double totalNanos = 0;
        while (s.Length > 0)
        {
            var numberLength = 0;
            while (numberLength < s.Length && (char.IsAsciiDigit(s[numberLength]) || s[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0 || !double.TryParse(s[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[numberLength..];
            var unitLength = 0;
            while (unitLength < s.Length && !char.IsAsciiDigit(s[unitLength]) && s[unitLength] != '.')
            {
                unitLength++;
            }

            double? unitNanos = s[..unitLength] switch
            {
                "h" => 3600e9,
                "m" => 60e9,
                "s" => 1e9,
                "ms" => 1e6,
                "us" or "µs" or "μs" => 1e3,
                "ns" => 1,
                _ => null,
            };
            if (unitNanos is not { } nanos)
            {
                return false;
            }

            totalNanos += number * nanos;
            s = s[unitLength..];
        }

        if (totalNanos / NanosPerTick > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        var ticks = (long)Math.Round(totalNanos / NanosPerTick);
        value = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>Formats a duration the way Istio prints one ("1.5s", "0.100s" becomes "0.1s").</summary>
    public static string Format(TimeSpan value) => value.TotalSeconds.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
}
