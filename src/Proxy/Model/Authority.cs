namespace Mesh.Proxy.Model;

/// <summary>Splits a request authority into host and port without allocating.</summary>
internal static class Authority
{
    /// <summary>"host[:port]" or "[v6]:port"; a missing or unparsable port becomes the scheme's default (80, or 443 for https).</summary>
    public static ReadOnlySpan<char> Split(ReadOnlySpan<char> authority, bool isHttps, out int port)
    {
        port = isHttps ? 443 : 80;
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || (authority.Length > 0 && authority[0] == '[' && authority.LastIndexOf(']') > colon))
        {
            return authority;
        }

        if (int.TryParse(authority[(colon + 1)..], System.Globalization.NumberStyles.None, null, out var parsed))
        {
            port = parsed;
        }

        return authority[..colon];
    }
}
