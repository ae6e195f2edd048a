using HdrHistogram;
using ScottPlot;

namespace Mesh.Harness;

/// <summary>
/// The fixed-rate latency distributions as a PNG, one line per path: latency against percentile, the percentile on
/// a "nines" axis (x = -log10(1 - p), so 90%, 99%, 99.9% are evenly spaced), as HdrHistogram's plots show tails.
/// </summary>
internal static class LatencyChart
{
    private const double HighestPercentile = 99.999;

    public static void Write(string file, IReadOnlyList<PathMeasurement> rows, string title)
    {
        var plot = new Plot();
        foreach (var row in rows)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            if (row.FixedRate.Requests > 0)
            {
                foreach (var point in row.FixedRate.LatencyMicros.Percentiles(5))
                {
                    var percentile = Math.Min(point.Percentile, HighestPercentile);
                    xs.Add(-Math.Log10(1 - (percentile / 100)));
                    ys.Add(point.ValueIteratedTo / 1000.0);
                    if (percentile >= HighestPercentile)
                    {
                        break;
                    }
                }
            }

            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray());
            line.LegendText = row.Path;
            line.LineWidth = 2;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [0, 1, 2, 3, 4, 5], ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
        plot.Title(title);
        plot.XLabel("percentile");
        plot.YLabel("latency (ms, from the intended start)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(file, 1000, 560);
    }
}
