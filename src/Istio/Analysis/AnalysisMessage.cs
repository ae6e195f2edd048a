using System.Text;

namespace Mesh.Istio.Analysis;

/// <summary>One finding of the analyzer: what (type and text), about which resource, and where (file, line, field path).</summary>
/// <param name="Resource">The resource the message is about.</param>
/// <param name="File">The file the resource was read from.</param>
/// <param name="Line">The 1-based line of the field at fault (or of the resource); null when unknown.</param>
/// <param name="FieldPath">The field at fault, e.g. <c>spec.http[0].mirror</c>; empty for the resource as a whole.</param>
public sealed record AnalysisMessage(AnalysisMessageType Type, ConfigKey Resource, string File, int? Line, string FieldPath, string Text)
{
    /// <summary>
    /// istioctl analyze's layout, with the field path before the text:
    /// <c>Warning [MESH0001] (DestinationRule default/reviews dr.yaml:12) spec.trafficPolicy.outlierDetection: has no effect in this mesh: ...</c>.
    /// </summary>
    public override string ToString() => Format(withFile: true);

    /// <summary>The same without the file and line (<c>... (DestinationRule default/reviews) spec...</c>), for places that have no file, such as the admission webhook's warnings.</summary>
    public string Describe() => Format(withFile: false);

    private string Format(bool withFile)
    {
        var text = new StringBuilder();
        text.Append(Type.Level).Append(" [").Append(Type.Code).Append("] (").Append(Resource);
        if (withFile)
        {
            text.Append(' ').Append(File);
            if (Line is { } line)
            {
                text.Append(':').Append(line);
            }
        }

        text.Append(") ");
        if (FieldPath.Length > 0)
        {
            text.Append(FieldPath).Append(": ");
        }

        return text.Append(Text).ToString();
    }

    /// <summary>A message about <paramref name="resource"/> at <paramref name="fieldPath"/>, at that field's line (or the nearest written parent's).</summary>
    public static AnalysisMessage At(AnalysisMessageType type, IstioResource resource, string fieldPath, string text) =>
        new(type, resource.Key, resource.Source.File, LineOf(resource, fieldPath), fieldPath, text);

    /// <summary>Orders messages by file, line, code and text, so output is the same whatever order checks ran in.</summary>
    public static int Compare(AnalysisMessage a, AnalysisMessage b)
    {
        var byFile = string.CompareOrdinal(a.File, b.File);
        if (byFile != 0)
        {
            return byFile;
        }

        var byLine = (a.Line ?? 0).CompareTo(b.Line ?? 0);
        if (byLine != 0)
        {
            return byLine;
        }

        var byCode = string.CompareOrdinal(a.Type.Code, b.Type.Code);
        return byCode != 0 ? byCode : string.CompareOrdinal(a.ToString(), b.ToString());
    }

    private static int? LineOf(IstioResource resource, string fieldPath)
    {
        var path = fieldPath;
        while (path.Length > 0)
        {
            if (resource.FieldLines.TryGetValue(path, out var line))
            {
                return line;
            }

            var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
            path = cut > 0 ? path[..cut] : "";
        }

        return resource.Source.Line;
    }
}
