namespace Mesh.Istio.Loading;

/// <summary>Reads Istio's StringMatch oneof (<c>exact</c>, <c>prefix</c> or <c>regex</c>); an empty one means "present".</summary>
internal static class StringMatchParser
{
    public static StringMatch Parse(YamlMappingReader r)
    {
        var exact = r.String("exact");
        var prefix = r.String("prefix");
        var regex = r.String("regex");
        var count = (exact is null ? 0 : 1) + (prefix is null ? 0 : 1) + (regex is null ? 0 : 1);
        if (count > 1)
        {
            // The protobuf oneof keeps only one; rather than pick silently, name the conflict.
            r.Error("", "only one of exact, prefix or regex may be set");
        }

        return exact is not null ? StringMatch.Exact(exact)
            : prefix is not null ? StringMatch.Prefix(prefix)
            : regex is not null ? StringMatch.Regex(regex)
            : StringMatch.Present;
    }
}
