namespace Mesh.Proxy.Observability.Metrics;

/// <summary>One series' label values, hashed once and rendered once for the exposition, keyed in a family's series map.</summary>
internal sealed class LabelValues
{
    public LabelValues(string[] values, string[] names)
    {
        Values = values;
        Hash = LabelValuesComparer.HashOf(values);
        Rendered = PrometheusText.RenderLabels(names, values);
    }

    public string[] Values { get; }

    public int Hash { get; }

    /// <summary>The labels as the exposition writes them, without braces: <c>a="x",b="y"</c>; empty when there are none.</summary>
    public string Rendered { get; }
}
