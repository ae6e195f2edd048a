namespace Mesh.Proxy.Observability.Metrics;

/// <summary>HTTP status codes as label strings, made once, so that a new response outcome does not format a number.</summary>
internal static class ResponseCodeText
{
    private static readonly string[] Cached = CreateCache();

    public static string Of(int code) => (uint)code < (uint)Cached.Length ? Cached[code] : code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] CreateCache()
    {
        var texts = new string[600];
        for (var i = 0; i < texts.Length; i++)
        {
            texts[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return texts;
    }
}
