using System.Globalization;
using System.Text;

namespace Mesh.Harness;

/// <summary>The harness's table, one row per path: as text for the terminal, as Markdown, and as CSV.</summary>
internal static class ResultTable
{
    private static readonly string[] Header =
    [
        "path", "max req/s", "asked req/s", "achieved req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
        "proxies", "vCPU per 1k req/s (all)", "vCPU per 1k req/s (busiest)", "RSS MB (max)", "errors",
    ];

    public static string Text(IReadOnlyList<PathMeasurement> rows)
    {
        var cells = Cells(rows);
        var widths = new int[Header.Length];
        foreach (var row in cells.Prepend(Header))
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        foreach (var row in cells.Prepend(Header))
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == 0 ? row[i].PadRight(widths[i]) : "  " + row[i].PadLeft(widths[i]));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    public static string Markdown(IReadOnlyList<PathMeasurement> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Header) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Header.Length - 1)));
        foreach (var row in Cells(rows))
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        return text.ToString();
    }

    /// <summary>Unrounded numbers, empty where a path has no proxy.</summary>
    public static string Csv(IReadOnlyList<PathMeasurement> rows)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", Header.Select(h => "\"" + h + "\"")));
        foreach (var r in rows)
        {
            string[] fields =
            [
                "\"" + r.Path + "\"", Raw(r.ClosedLoop.AchievedRate), Raw(r.FixedRate.AskedRate), Raw(r.FixedRate.AchievedRate),
                Raw(r.FixedRate.PercentileMs(50)), Raw(r.FixedRate.PercentileMs(90)), Raw(r.FixedRate.PercentileMs(99)),
                Raw(r.FixedRate.PercentileMs(99.9)), r.Proxies.ToString(CultureInfo.InvariantCulture),
                Raw(r.VcpuPerThousandAll), Raw(r.VcpuPerThousandBusiest),
                r.Proxies == 0 ? "" : Raw(r.MaxResidentBytes / 1048576.0),
                (r.ClosedLoop.Errors + r.FixedRate.Errors).ToString(CultureInfo.InvariantCulture),
            ];
            text.AppendLine(string.Join(",", fields));
        }

        return text.ToString();
    }

    private static List<string[]> Cells(IReadOnlyList<PathMeasurement> rows)
    {
        var cells = new List<string[]>();
        foreach (var r in rows)
        {
            var f = r.FixedRate;
            cells.Add(
            [
                r.Path, Format(r.ClosedLoop.AchievedRate, "0"), Format(f.AskedRate, "0"),
                // A path that cannot hold the rate shows it: the achieved rate, marked when under 98% of the asked.
                Format(f.AchievedRate, "0") + (f.AchievedRate < f.AskedRate * 0.98 ? " (!)" : ""),
                Format(f.PercentileMs(50), "0.00"), Format(f.PercentileMs(90), "0.00"),
                Format(f.PercentileMs(99), "0.00"), Format(f.PercentileMs(99.9), "0.00"),
                r.Proxies.ToString(CultureInfo.InvariantCulture),
                Format(r.VcpuPerThousandAll, "0.000"), Format(r.VcpuPerThousandBusiest, "0.000"),
                r.Proxies == 0 ? "—" : Format(r.MaxResidentBytes / 1048576.0, "0"),
                (r.ClosedLoop.Errors + f.Errors).ToString(CultureInfo.InvariantCulture),
            ]);
        }

        return cells;
    }

    private static string Format(double value, string format) =>
        double.IsNaN(value) ? "—" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Raw(double value) =>
        double.IsNaN(value) ? "" : value.ToString("0.######", CultureInfo.InvariantCulture);
}
