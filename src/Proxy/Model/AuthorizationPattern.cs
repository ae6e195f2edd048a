using System.Text.RegularExpressions;

namespace Mesh.Proxy.Model;

/// <summary>
/// One of Istio's authorization value patterns: <c>*</c> (present and non-empty), <c>prefix*</c>, <c>*suffix</c>, or
/// exact; a <c>*</c> anywhere else is a literal, as in Istio. Paths may also be Istio's path templates, compiled to a
/// full-match regex: <c>{*}</c> one path segment, <c>{**}</c> any number of them.
/// </summary>
internal readonly struct AuthorizationPattern
{
    private readonly Kind _kind;
    private readonly string _text;
    private readonly StringComparison _comparison;
    private readonly Regex? _template;

    private AuthorizationPattern(Kind kind, string text, StringComparison comparison, Regex? template = null)
    {
        _kind = kind;
        _text = text;
        _comparison = comparison;
        _template = template;
    }

    private enum Kind
    {
        Exact,
        Prefix,
        Suffix,
        Presence,
        Template,
    }

    private const string SegmentOperator = "{*}";

    private const string SegmentsOperator = "{**}";

    public static bool IsPathTemplate(string value) => value.Contains(SegmentOperator, StringComparison.Ordinal) || value.Contains(SegmentsOperator, StringComparison.Ordinal);

    /// <summary>Istio's path template as an anchored, linear-time regex: literal text, one segment, or any segments.</summary>
    public static AuthorizationPattern PathTemplate(string value)
    {
        var pattern = new System.Text.StringBuilder(@"\A");
        var rest = value.AsSpan();
        while (rest.Length > 0)
        {
            var next = rest.IndexOf('{');
            if (next >= 0 && rest[next..].StartsWith(SegmentsOperator, StringComparison.Ordinal))
            {
                pattern.Append(Regex.Escape(rest[..next].ToString())).Append(".*");
                rest = rest[(next + SegmentsOperator.Length)..];
            }
            else if (next >= 0 && rest[next..].StartsWith(SegmentOperator, StringComparison.Ordinal))
            {
                pattern.Append(Regex.Escape(rest[..next].ToString())).Append("[^/]+");
                rest = rest[(next + SegmentOperator.Length)..];
            }
            else
            {
                var literal = next < 0 ? rest.Length : next + 1;
                pattern.Append(Regex.Escape(rest[..literal].ToString()));
                rest = rest[literal..];
            }
        }
        pattern.Append(@"\z");
        return new(Kind.Template, value, StringComparison.Ordinal,
            new Regex(pattern.ToString(), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant));
    }

    public static AuthorizationPattern Parse(string value, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (value == "*") return new(Kind.Presence, "", comparison);
        if (value.StartsWith('*')) return new(Kind.Suffix, value[1..], comparison);
        if (value.EndsWith('*')) return new(Kind.Prefix, value[..^1], comparison);
        return new(Kind.Exact, value, comparison);
    }

    public bool Matches(ReadOnlySpan<char> value) => _kind switch
    {
        Kind.Exact => value.Equals(_text, _comparison),
        Kind.Prefix => value.StartsWith(_text, _comparison),
        Kind.Suffix => value.EndsWith(_text, _comparison),
        Kind.Template => _template!.IsMatch(value),
        _ => value.Length > 0,
    };
}
