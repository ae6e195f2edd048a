namespace Mesh.Istio;

/// <summary>Istio's StringMatch: one of exact, prefix or regex, with the value to compare.</summary>
/// <param name="Type">Which comparison applies.</param>
/// <param name="Value">The expected value, prefix or expression; empty for <see cref="StringMatchType.Present"/>.</param>
public sealed record StringMatch(StringMatchType Type, string Value)
{
    public static StringMatch Exact(string value) => new(StringMatchType.Exact, value);

    public static StringMatch Prefix(string value) => new(StringMatchType.Prefix, value);

    public static StringMatch Regex(string value) => new(StringMatchType.Regex, value);

    public static readonly StringMatch Present = new(StringMatchType.Present, "");

    public override string ToString() => Type switch
    {
        StringMatchType.Exact => "exact:" + Value,
        StringMatchType.Prefix => "prefix:" + Value,
        StringMatchType.Regex => "regex:" + Value,
        _ => "present",
    };
}
