namespace Mesh.Proxy.Observability.Metrics;

/// <summary>Writes metric families as Prometheus text format 0.0.4: HELP and TYPE lines, then one line per sample.</summary>
internal sealed class PrometheusExpositionWriter(TextWriter writer)
{
    public void Write(object family)
    {
        switch (family)
        {
            case CounterFamily counters:
                WriteHeader(counters.Name, counters.Help, "counter");
                foreach (var (labels, series) in counters.SnapshotOrdered())
                {
                    WriteSample(counters.Name, labels.Rendered, series.Value);
                }

                break;
            case GaugeFamily gauges:
                WriteHeader(gauges.Name, gauges.Help, "gauge");
                foreach (var (labels, series) in gauges.SnapshotOrdered())
                {
                    WriteSample(gauges.Name, labels.Rendered, PrometheusText.FormatDouble(series.Value));
                }

                break;
            case HistogramFamily histograms:
                WriteHistogram(histograms);
                break;
        }
    }

    private void WriteHistogram(HistogramFamily family)
    {
        WriteHeader(family.Name, family.Help, "histogram");
        var bucketName = family.Name + "_bucket";
        var bounds = family.UpperBoundLabels;
        Span<long> counts = stackalloc long[bounds.Length + 1];
        foreach (var (labels, series) in family.SnapshotOrdered())
        {
            series.CopyCounts(counts);
            var separator = labels.Rendered.Length == 0 ? string.Empty : ",";
            long cumulative = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
                var le = i < bounds.Length ? bounds[i] : "+Inf";
                writer.Write(bucketName);
                writer.Write('{');
                writer.Write(labels.Rendered);
                writer.Write(separator);
                writer.Write("le=\"");
                writer.Write(le);
                writer.Write("\"} ");
                writer.Write(cumulative);
                writer.Write('\n');
            }

            // _count is the +Inf bucket by definition; deriving it keeps the two equal under concurrent recording.
            WriteSample(family.Name + "_sum", labels.Rendered, PrometheusText.FormatDouble(series.Sum));
            WriteSample(family.Name + "_count", labels.Rendered, cumulative);
        }
    }

    private void WriteHeader(string name, string help, string type)
    {
        writer.Write("# HELP ");
        writer.Write(name);
        writer.Write(' ');
        writer.Write(PrometheusText.EscapeHelp(help));
        writer.Write('\n');
        writer.Write("# TYPE ");
        writer.Write(name);
        writer.Write(' ');
        writer.Write(type);
        writer.Write('\n');
    }

    private void WriteSample(string name, string renderedLabels, long value)
    {
        WriteName(name, renderedLabels);
        writer.Write(value);
        writer.Write('\n');
    }

    private void WriteSample(string name, string renderedLabels, string value)
    {
        WriteName(name, renderedLabels);
        writer.Write(value);
        writer.Write('\n');
    }

    private void WriteName(string name, string renderedLabels)
    {
        writer.Write(name);
        if (renderedLabels.Length > 0)
        {
            writer.Write('{');
            writer.Write(renderedLabels);
            writer.Write('}');
        }

        writer.Write(' ');
    }
}
