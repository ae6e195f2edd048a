using System.Text;

namespace Mesh.Istio;

/// <summary>A problem found while loading Istio configuration: where (file, document, resource, field) and why.</summary>
/// <param name="File">The file (or source name) the document came from.</param>
/// <param name="DocumentIndex">Zero-based index of the YAML document in the file.</param>
/// <param name="Kind">The resource kind, when the document got that far.</param>
/// <param name="Namespace">The resource namespace, when known.</param>
/// <param name="Name">The resource name, when known.</param>
/// <param name="FieldPath">The offending field, e.g. <c>spec.http[0].route[1].weight</c>; empty for the document as a whole.</param>
/// <param name="Reason">Why, phrased as Istio and Kubernetes phrase it.</param>
public sealed record ConfigError(
    string File,
    int DocumentIndex,
    string? Kind,
    string? Namespace,
    string? Name,
    string FieldPath,
    string Reason)
{
    /// <summary>The 1-based line of a YAML syntax error; null for other problems.</summary>
    public int? Line { get; init; }

    /// <summary>The 1-based column of a YAML syntax error; null for other problems.</summary>
    public int? Column { get; init; }

    /// <summary>Reads like <c>vs.yaml: VirtualService default/reviews: spec.http[0].route[1].weight: weight must be between 0 and 100</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(File);
        if (Line is { } line)
        {
            text.Append(':').Append(line).Append(':').Append(Column ?? 0);
        }
        else if (DocumentIndex > 0)
        {
            text.Append(" (document ").Append(DocumentIndex).Append(')');
        }

        text.Append(": ");
        if (Kind is not null)
        {
            text.Append(Kind).Append(' ');
            text.Append(Namespace ?? ResourceMetadata.DefaultNamespace).Append('/').Append(Name ?? "<unnamed>").Append(": ");
        }

        if (FieldPath.Length > 0)
        {
            text.Append(FieldPath).Append(": ");
        }

        return text.Append(Reason).ToString();
    }
}
