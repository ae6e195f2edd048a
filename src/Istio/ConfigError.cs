using System.Text;

namespace Mesh.Istio;

/// <summary>A problem found while loading Istio configuration: where (file, document, resource, field) and why.</summary>
/// <param name="File">The file (or source name) the document came from.</param>
/// <param name="DocumentIndex">Zero-based index of the YAML document in the file (people are shown <see cref="Line"/> instead).</param>
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
    /// <summary>
    /// The 1-based line of the problem: where a syntax error or a limit was hit, or where the object (or the value) at
    /// fault starts. Null only for problems of the file as a whole (it cannot be read, it is too large).
    /// </summary>
    public int? Line { get; init; }

    /// <summary>The 1-based column that goes with <see cref="Line"/>.</summary>
    public int? Column { get; init; }

    /// <summary>
    /// Reads like <c>vs.yaml:12:1: VirtualService default/reviews: spec.http[0].route[1].weight: weight must be between 0 and 100</c>,
    /// the <c>file:line:col</c> that editors and terminals turn into a link.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder(File);
        if (Line is { } line)
        {
            text.Append(':').Append(line).Append(':').Append(Column ?? 1);
        }

        return AppendProblem(text.Append(": ")).ToString();
    }

    /// <summary>
    /// The problem without where it was read: <c>VirtualService default/reviews: spec.http[0].route[1].weight: weight must be between 0 and 100</c>,
    /// for places that have no file, such as the validating admission webhook's answer to <c>kubectl apply</c>.
    /// </summary>
    public string Describe() => AppendProblem(new StringBuilder()).ToString();

    private StringBuilder AppendProblem(StringBuilder text)
    {
        if (Kind is not null)
        {
            text.Append(Kind).Append(' ');
            text.Append(Namespace ?? ResourceMetadata.DefaultNamespace).Append('/').Append(Name ?? "<unnamed>").Append(": ");
        }

        if (FieldPath.Length > 0)
        {
            text.Append(FieldPath).Append(": ");
        }

        return text.Append(Reason);
    }
}
