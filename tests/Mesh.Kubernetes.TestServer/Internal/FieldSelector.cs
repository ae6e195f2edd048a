using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// A query's <c>fieldSelector</c> (=, ==, != on a dotted path such as metadata.name, metadata.namespace,
/// spec.nodeName, status.phase). The real server allows a fixed set of fields per kind; this one evaluates any
/// path against the object, an absent field reading as "".
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string[] Path, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string[] Path, bool Equal, string Value)> terms) => _terms = terms;

    public static readonly FieldSelector Everything = new([]);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var terms = new List<(string[], bool, string)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ne = raw.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
            {
                terms.Add((raw[..ne].Trim().Split('.'), false, raw[(ne + 2)..].Trim()));
                continue;
            }
            var eq = raw.IndexOf('=');
            if (eq <= 0)
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{raw}'");
            }
            var valueStart = eq + 1 < raw.Length && raw[eq + 1] == '=' ? eq + 2 : eq + 1;
            terms.Add((raw[..eq].Trim().Split('.'), true, raw[valueStart..].Trim()));
        }
        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, equal, value) in _terms)
        {
            JsonNode? node = obj;
            foreach (var segment in path)
            {
                node = (node as JsonObject)?[segment];
            }
            var actual = node is JsonValue v ? v.ToString() : "";
            if ((actual == value) != equal)
            {
                return false;
            }
        }
        return true;
    }
}
