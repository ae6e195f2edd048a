using System.Text.RegularExpressions;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Compiles the string patterns of the discovery protocol once per snapshot: exact, prefix, and RE2-style regexes
/// (linear-time and culture-invariant). An invalid regex rejects the config with its field path.
/// </summary>
internal static class PatternCompiler
{
    private const RegexOptions BaseOptions = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    /// <summary>Null when the match sets no pattern: such a matcher only asks for presence.</summary>
    public static StringMatcher? CompileMatcher(StringMatch? match, bool ignoreCase, string fieldPath) => match?.MatchPatternCase switch
    {
        StringMatch.MatchPatternOneofCase.Exact => new(StringMatch.MatchPatternOneofCase.Exact, match.Exact, null, ignoreCase),
        StringMatch.MatchPatternOneofCase.Prefix => new(StringMatch.MatchPatternOneofCase.Prefix, match.Prefix, null, ignoreCase),
        StringMatch.MatchPatternOneofCase.Regex => new(
            StringMatch.MatchPatternOneofCase.Regex,
            match.Regex,
            CompileFullMatch(match.Regex, ignoreCase, fieldPath + ".regex"),
            ignoreCase),
        _ => null,
    };

    /// <summary>Envoy's safe_regex semantics: the pattern must match the whole value.</summary>
    public static Regex CompileFullMatch(string pattern, bool ignoreCase, string fieldPath) =>
        Compile(@"\A(?:" + pattern + @")\z", pattern, ignoreCase, fieldPath);

    /// <summary>For rewrites: every occurrence anywhere in the value is replaced.</summary>
    public static Regex CompileSearch(string pattern, string fieldPath) => Compile(pattern, pattern, ignoreCase: false, fieldPath);

    private static Regex Compile(string effectivePattern, string pattern, bool ignoreCase, string fieldPath)
    {
        try
        {
            return new Regex(effectivePattern, ignoreCase ? BaseOptions | RegexOptions.IgnoreCase : BaseOptions, TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            throw new ConfigRejectedException($"{fieldPath}: invalid regex '{pattern}': {ex.Message}");
        }
    }
}
