using System.CommandLine.Parsing;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// Parses absolute http(s) URLs for options: System.CommandLine 2.0 has no built-in conversion to <see cref="Uri"/>,
/// and a wrong value must read as a usage error, not an exception.
/// </summary>
internal static class UriParsing
{
    public static Uri? One(ArgumentResult result) =>
        result.Tokens.Count == 0 ? null : Parse(result, result.Tokens[^1].Value);

    public static Uri[] Many(ArgumentResult result)
    {
        var uris = new Uri[result.Tokens.Count];
        for (var i = 0; i < uris.Length; i++)
        {
            uris[i] = Parse(result, result.Tokens[i].Value)!;
        }

        return uris;
    }

    private static Uri? Parse(ArgumentResult result, string text)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"'{text}' is not an absolute http:// or https:// URL");
        return null;
    }
}
