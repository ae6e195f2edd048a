using System.Text.RegularExpressions;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>A compiled <see cref="StringMatch"/>: exact, prefix or full-match regex, optionally case-insensitive.</summary>
internal sealed class StringMatcher
{
    private readonly StringMatch.MatchPatternOneofCase _kind;
    private readonly string _value;
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    public StringMatcher(StringMatch.MatchPatternOneofCase kind, string value, Regex? regex, bool ignoreCase)
    {
        _kind = kind;
        _value = value;
        _regex = regex;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
    }

    public bool IsPrefix => _kind == StringMatch.MatchPatternOneofCase.Prefix;

    /// <summary>The literal prefix of a prefix match (what prefix_rewrite replaces).</summary>
    public string Value => _value;

    public bool Matches(ReadOnlySpan<char> value) => _kind switch
    {
        StringMatch.MatchPatternOneofCase.Exact => value.Equals(_value, _comparison),
        StringMatch.MatchPatternOneofCase.Prefix => value.StartsWith(_value, _comparison),
        _ => _regex!.IsMatch(value),
    };
}
