using System.Text.RegularExpressions;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Routing;

/// <summary>A compiled <see cref="StringMatch"/>: exact, prefix or full-match regex, optionally case-insensitive.</summary>
internal sealed class StringMatcher
{
    private readonly StringMatch.MatchPatternOneofCase _kind;
    private readonly string _value;
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    private StringMatcher(StringMatch.MatchPatternOneofCase kind, string value, Regex? regex, bool ignoreCase)
    {
        _kind = kind;
        _value = value;
        _regex = regex;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    }

    public bool IsPrefix => _kind == StringMatch.MatchPatternOneofCase.Prefix;

    /// <summary>The literal prefix of a prefix match (what prefix_rewrite replaces).</summary>
    public string Value => _value;

    /// <summary>Null when the match sets no pattern: such a matcher only asks for presence.</summary>
    public static StringMatcher? Compile(StringMatch? match, bool ignoreCase, string fieldPath) => match?.MatchPatternCase switch
    {
        StringMatch.MatchPatternOneofCase.Exact => new(StringMatch.MatchPatternOneofCase.Exact, match.Exact, null, ignoreCase),
        StringMatch.MatchPatternOneofCase.Prefix => new(StringMatch.MatchPatternOneofCase.Prefix, match.Prefix, null, ignoreCase),
        StringMatch.MatchPatternOneofCase.Regex => new(
            StringMatch.MatchPatternOneofCase.Regex,
            match.Regex,
            RegexCompiler.CompileFullMatch(match.Regex, ignoreCase, fieldPath + ".regex"),
            ignoreCase),
        _ => null,
    };

    public bool Matches(ReadOnlySpan<char> value) => _kind switch
    {
        StringMatch.MatchPatternOneofCase.Exact => value.Equals(_value, _comparison),
        StringMatch.MatchPatternOneofCase.Prefix => value.StartsWith(_value, _comparison),
        _ => _regex!.IsMatch(value),
    };
}
