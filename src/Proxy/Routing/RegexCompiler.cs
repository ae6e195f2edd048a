using System.Text.RegularExpressions;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing;

/// <summary>Compiles the RE2-style patterns of the discovery protocol once per snapshot, linear-time and culture-invariant.</summary>
internal static class RegexCompiler
{
    private const RegexOptions BaseOptions = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

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
