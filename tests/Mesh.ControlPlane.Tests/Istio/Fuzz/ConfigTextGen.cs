using System.Text;
using CsCheck;

namespace Mesh.ControlPlane.Tests.Istio.Fuzz;

/// <summary>
/// CsCheck generators of config text for the loader's fuzz test: Istio-shaped documents built from the kinds' own
/// field names, the seed corpus, and either one broken by mutations (cuts, YAML punctuation, deep nesting, aliases,
/// long scalars, repeats), so inputs range from nearly valid to hostile.
/// </summary>
internal static class ConfigTextGen
{
    /// <summary>
    /// The most text the growing mutations (repeats, long scalars) build. Without it, eight repeats of up to fifty
    /// copies each outgrow a string (and a 1 MB input of thousands of resources takes seconds to load on a busy machine,
    /// which is size, not a blow-up). Huge files have their own tests, against the loader's byte limit.
    /// </summary>
    internal const int MaxGrownChars = 128 * 1024;

    private static readonly (string ApiVersion, string Kind)[] Kinds =
    [
        ("networking.istio.io/v1", "VirtualService"), ("networking.istio.io/v1beta1", "DestinationRule"),
        ("networking.istio.io/v1alpha3", "Gateway"), ("networking.istio.io/v1", "ServiceEntry"),
        ("networking.istio.io/v1", "WorkloadEntry"), ("security.istio.io/v1", "PeerAuthentication"),
        ("security.istio.io/v1beta1", "AuthorizationPolicy"), ("networking.istio.io/v2", "VirtualService"), ("v1", "Service"),
    ];

    // Field names the parsers ask for, so that generated objects reach past "unknown field" into every parser.
    private static readonly string[] Keys =
    [
        "hosts", "gateways", "http", "tcp", "tls", "match", "route", "destination", "host", "subset", "port", "number",
        "weight", "uri", "prefix", "exact", "regex", "headers", "queryParams", "timeout", "retries", "attempts",
        "perTryTimeout", "fault", "delay", "abort", "percentage", "value", "fixedDelay", "httpStatus", "mirror",
        "rewrite", "redirect", "directResponse", "delegate", "trafficPolicy", "loadBalancer", "simple", "consistentHash",
        "connectionPool", "outlierDetection", "portLevelSettings", "subsets", "name", "labels", "selector", "servers",
        "protocol", "mode", "credentialName", "addresses", "ports", "location", "resolution", "endpoints", "address",
        "workloadSelector", "mtls", "portLevelMtls", "matchLabels", "action", "rules", "from", "to", "when", "source",
        "principals", "operation", "methods", "paths", "key", "values", "exportTo", "targetRef", "targetRefs", "warmup",
    ];

    private static readonly string[] Scalars =
    [
        "reviews", "v1", "prod/*", "*", "*.example.com", "80", "0", "-1", "65536", "4294967296", "99999999999999999999",
        "1.5", "1e400", "NaN", "-Infinity", "1.5s", "100ms", "0.5ms", "1h2m", "soon", "true", "yes", "null", "~", "''",
        "\"\"", "'(a|b)+$'", "'(?=x)'", "'['", "10.0.0.1", "10.0.0.0/8", "::1", "unix:///tmp/s", "unix://@abstract",
        "ISTIO_MUTUAL", "STRICT", "ROUND_ROBIN", "DNS", "HTTP", "HTTPS", "ALLOW", "CUSTOM", "\"a\\u0000b\"", "\"\\ud800\"",
        "!!binary aGk=", "!!int 3", "!custom x",
    ];

    // YAML's punctuation and the constructs that have broken parsers: what a mutation inserts.
    private static readonly string[] Tokens =
    [
        "[", "]", "{", "}", ":", ": ", ", ", "- ", "\n", "\n  ", "\n- ", "&a ", "*a", "&b ", "*b", "? ", "!!str ",
        "!!binary ", "!t ", "|\n", ">-\n", "'", "\"", "#", "---\n", "...\n", "%YAML 1.2\n---\n", "%TAG ! tag:x:\n---\n",
        "\t", "\\", "\0", "\uFEFF", "\uD800", "\r", "<<: *a\n", "\"\\u0000\"", "9999999999999999999999", "null",
    ];

    // Static properties are initialized in the order written: each generator comes after those it is made of.
    private static Gen<string> Scalar { get; } = Gen.Frequency(
        (6, Gen.OneOf(Scalars)),
        (2, Gen.String.AlphaNumeric),
        (1, Gen.Char.Array[0, 12].Select(chars => "\"" + new string(chars).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")));

    /// <summary>A position in whatever text a mutation meets: a fraction of its length, so it shrinks towards the start.</summary>
    private static Gen<Func<string, int>> Position { get; } =
        Gen.Int[0, 1_000_000].Select(fraction => (Func<string, int>)(text => (int)((long)text.Length * fraction / 1_000_001)));

    private static Gen<Func<string, string>> Mutation { get; } = Gen.Frequency<Func<string, string>>(
        (4, Gen.Select(Position, Gen.Int[1, 64], (at, length) => (Func<string, string>)(text => Delete(text, at(text), length)))),
        (6, Gen.Select(Position, Gen.OneOf(Tokens), (at, token) => (Func<string, string>)(text => text.Insert(at(text), token)))),
        (2, Gen.Select(Position, Gen.OneOf(Scalars), (at, scalar) => (Func<string, string>)(text => text.Insert(at(text), scalar)))),
        (2, Gen.Select(Position, Position, Gen.Int[1, 200], (from, to, length) => (Func<string, string>)(text => Duplicate(text, from(text), to(text), length)))),
        (1, Position.Select(at => (Func<string, string>)(text => text[..at(text)]))),
        (1, Gen.Select(Gen.Int[1, 300], Gen.OneOf("[", "{a: ", "- ", "{\"a\": ["), (depth, open) => (Func<string, string>)(text => Nest(text, depth, open)))),
        (1, Gen.Select(Position, Gen.Int[1, 100_000], (at, length) => (Func<string, string>)(text => text.Insert(at(text), new string('a', Math.Min(length, Room(text))))))),
        (1, Gen.Int[2, 50].Select(copies => (Func<string, string>)(text => Repeat(text, copies)))),
        (1, Gen.Select(Position, Gen.Int[2, 12], (at, width) => (Func<string, string>)(text => AliasFan(text, at(text), width)))));

    /// <summary>Istio-shaped text: one or more documents, a List, or a JSON array, of objects with generated specs.</summary>
    public static Gen<string> Documents { get; } = Gen.Frequency(
        (4, Document(json: false).Array[1, 3].Select(docs => string.Join("\n---\n", docs))),
        (2, Document(json: true)),
        (1, Document(json: true).Array[1, 4].Select(items => "[" + string.Join(",\n", items) + "]")),
        (1, Document(json: false).Array[1, 4].Select(items => "apiVersion: v1\nkind: List\nitems:\n" + string.Concat(items.Select(Indent)))));

    /// <summary>A text from <paramref name="seeds"/> or <see cref="Documents"/>, broken by one to eight mutations.</summary>
    public static Gen<string> Mutated(IReadOnlyList<string> seeds) =>
        from seed in Gen.Frequency((3, Gen.OneOf(seeds.ToArray())), (1, Documents))
        from mutations in Mutation.Array[1, 8]
        select mutations.Aggregate(seed, (text, mutate) => mutate(text));

    private static Gen<string> Document(bool json) =>
        from kind in Gen.OneOf(Kinds)
        from name in Gen.Frequency((8, Gen.OneOf("reviews", "a", "ratings-v2")), (1, Scalar))
        from spec in Value(4, json)
        select json
            ? $"{{\"apiVersion\": \"{kind.ApiVersion}\", \"kind\": \"{kind.Kind}\", \"metadata\": {{\"name\": {Quote(name)}}}, \"spec\": {spec}}}"
            : $"apiVersion: {kind.ApiVersion}\nkind: {kind.Kind}\nmetadata: {{name: {name}}}\nspec: {spec}\n";

    /// <summary>A flow-style value (JSON when <paramref name="json"/>): a scalar, or a list or object of values.</summary>
    private static Gen<string> Value(int depth, bool json)
    {
        var scalar = json ? Scalar.Select(Quote) : Scalar;
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(depth - 1, json);
        var key = json ? Gen.OneOf(Keys).Select(Quote) : Gen.OneOf(Keys);
        return Gen.Frequency(
            (3, scalar),
            (2, inner.Array[0, 3].Select(items => "[" + string.Join(", ", items) + "]")),
            (4, Gen.Select(key, inner).Array[0, 4].Select(fields => "{" + string.Join(", ", fields.Select(f => f.Item1 + ": " + f.Item2)) + "}")));
    }

    /// <summary>How many characters a growing mutation may still add to <paramref name="text"/>.</summary>
    private static int Room(string text) => Math.Max(0, MaxGrownChars - text.Length);

    /// <summary>The text as <paramref name="copies"/> documents, fewer when that would outgrow <see cref="MaxGrownChars"/>.</summary>
    private static string Repeat(string text, int copies)
    {
        var fitting = Math.Clamp(MaxGrownChars / Math.Max(1, text.Length), 1, copies);
        return string.Join("\n---\n", Enumerable.Repeat(text, fitting));
    }

    private static string Delete(string text, int at, int length) => text.Remove(at, Math.Min(length, text.Length - at));

    private static string Duplicate(string text, int from, int to, int length) =>
        text.Insert(to, text.Substring(from, Math.Min(length, text.Length - from)));

    /// <summary>Wraps the text in <paramref name="depth"/> openers, closing them (JSON-like) or not.</summary>
    private static string Nest(string text, int depth, string open)
    {
        var nested = new StringBuilder().Insert(0, open, depth).Append(text);
        if (open.EndsWith('['))
        {
            nested.Append(']', depth);
        }

        return nested.ToString();
    }

    /// <summary>Inserts a fan of aliases (<c>&amp;f [*f0, *f0, ...]</c>), the seed of alias bombs, at <paramref name="at"/>.</summary>
    private static string AliasFan(string text, int at, int width) =>
        text.Insert(at, "&f0 [x]\nf1: &f1 [" + string.Join(", ", Enumerable.Repeat("*f0", width)) + "]\nf2: [" + string.Join(", ", Enumerable.Repeat("*f1", width)) + "]\n");

    private static string Indent(string document) => "- " + document.TrimEnd('\n').Replace("\n", "\n  ") + "\n";

    private static string Quote(string scalar) =>
        scalar.StartsWith('"') ? scalar : "\"" + scalar.Trim('\'').Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
