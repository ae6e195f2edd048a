using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding;

/// <summary>Applies a route's prefix_rewrite (Envoy: replaces the matched prefix, or the whole path for other matches) or regex_rewrite.</summary>
internal static class PathRewriter
{
    public static string Rewrite(string path, StringMatcher? pathMatch, ForwardActionModel action)
    {
        string rewritten;
        if (action.PrefixRewrite is not null)
        {
            rewritten = pathMatch is { IsPrefix: true } && path.Length >= pathMatch.Value.Length
                ? string.Concat(action.PrefixRewrite, path.AsSpan(pathMatch.Value.Length))
                : action.PrefixRewrite;
        }
        else
        {
            rewritten = action.RewriteRegex!.Replace(path, action.RewriteSubstitution);
        }

        return rewritten.Length > 0 && rewritten[0] == '/' ? rewritten : "/" + rewritten;
    }
}
