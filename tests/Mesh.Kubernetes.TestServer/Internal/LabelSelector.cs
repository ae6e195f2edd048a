using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// A label selector, from a query's <c>labelSelector</c> (=, ==, !=, in, notin, key, !key) or from a
/// metav1.LabelSelector object (matchLabels, matchExpressions); all requirements must hold.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string Op, string[] Values)> _requirements;

    private LabelSelector(List<(string Key, string Op, string[] Values)> requirements) => _requirements = requirements;

    public static readonly LabelSelector Everything = new([]);

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var requirements = new List<(string, string, string[])>();
        foreach (var term in SplitTerms(text))
        {
            var t = term.Trim();
            if (t.Length == 0)
            {
                continue;
            }
            var inAt = IndexOfWord(t, " notin ");
            if (inAt > 0)
            {
                requirements.Add((t[..inAt].Trim(), "NotIn", SetValues(t[(inAt + 7)..])));
                continue;
            }
            inAt = IndexOfWord(t, " in ");
            if (inAt > 0)
            {
                requirements.Add((t[..inAt].Trim(), "In", SetValues(t[(inAt + 4)..])));
                continue;
            }
            var ne = t.IndexOf("!=", StringComparison.Ordinal);
            if (ne > 0)
            {
                requirements.Add((t[..ne].Trim(), "NotIn", [t[(ne + 2)..].Trim()]));
                continue;
            }
            var eq = t.IndexOf('=');
            if (eq > 0)
            {
                var valueStart = eq + 1 < t.Length && t[eq + 1] == '=' ? eq + 2 : eq + 1;
                requirements.Add((t[..eq].Trim(), "In", [t[valueStart..].Trim()]));
                continue;
            }
            if (t[0] == '!')
            {
                requirements.Add((t[1..].Trim(), "DoesNotExist", []));
                continue;
            }
            if (t.IndexOfAny(['(', ')', ' ', '<', '>']) >= 0)
            {
                throw ApiException.BadRequest($"unable to parse requirement: {t}");
            }
            requirements.Add((t, "Exists", []));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>A metav1.LabelSelector; null selects everything (as an absent namespaceSelector does).</summary>
    public static LabelSelector FromObject(JsonNode? selector)
    {
        if (selector is not JsonObject obj)
        {
            return Everything;
        }
        var requirements = new List<(string, string, string[])>();
        if (obj["matchLabels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                requirements.Add((key, "In", [value?.GetValue<string>() ?? ""]));
            }
        }
        if (obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var expression in expressions)
            {
                var values = new List<string>();
                if (expression?["values"] is JsonArray valueArray)
                {
                    foreach (var value in valueArray)
                    {
                        values.Add(value!.GetValue<string>());
                    }
                }
                requirements.Add((expression?["key"]?.GetValue<string>() ?? "", expression?["operator"]?.GetValue<string>() ?? "",
                    [.. values]));
            }
        }
        return new LabelSelector(requirements);
    }

    public bool Matches(JsonNode? labels)
    {
        foreach (var (key, op, values) in _requirements)
        {
            var value = (labels as JsonObject)?[key]?.GetValue<string>();
            var ok = op switch
            {
                "In" => value is not null && Array.IndexOf(values, value) >= 0,
                "NotIn" => value is null || Array.IndexOf(values, value) < 0,
                "Exists" => value is not null,
                "DoesNotExist" => value is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Splits on commas outside parentheses ("a in (x,y),b" is two terms).</summary>
    private static List<string> SplitTerms(string text)
    {
        var terms = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')')
            {
                depth--;
            }
            else if (text[i] == ',' && depth == 0)
            {
                terms.Add(text[start..i]);
                start = i + 1;
            }
        }
        terms.Add(text[start..]);
        return terms;
    }

    private static int IndexOfWord(string term, string word) => term.IndexOf(word, StringComparison.Ordinal);

    private static string[] SetValues(string text)
    {
        var t = text.Trim();
        if (t.Length < 2 || t[0] != '(' || t[^1] != ')')
        {
            throw ApiException.BadRequest($"unable to parse requirement: expected a parenthesised set of values, found {t}");
        }
        var parts = t[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return parts;
    }
}
