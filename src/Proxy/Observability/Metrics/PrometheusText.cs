using System.Globalization;
using System.Text;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The small rules of Prometheus text format 0.0.4: valid names, label value and help escaping, number spelling.</summary>
internal static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void ValidateMetricName(string name)
    {
        if (!IsValidName(name, allowColon: true))
        {
            throw new ArgumentException($"'{name}' is not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*).", nameof(name));
        }
    }

    public static void ValidateLabelName(string metric, string label)
    {
        if (!IsValidName(label, allowColon: false) || label.StartsWith("__", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"metric '{metric}': '{label}' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with '__').",
                nameof(label));
        }
    }

    public static string RenderLabels(ReadOnlySpan<string> names, ReadOnlySpan<string> values)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(names[i]).Append("=\"");
            AppendEscapedLabelValue(builder, values[i]);
            builder.Append('"');
        }

        return builder.ToString();
    }

    public static void AppendEscapedLabelValue(StringBuilder builder, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                default: builder.Append(c); break;
            }
        }
    }

    /// <summary>HELP text escapes only backslash and newline (quotes stay as they are).</summary>
    public static string EscapeHelp(string help) => help.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    public static string FormatDouble(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static bool IsValidName(string name, bool allowColon)
    {
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
