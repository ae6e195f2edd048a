using System.Text;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>Hostile and broken input: each is a reported error with a position, never a crash, a hang or unbounded memory.</summary>
public sealed class IstioConfigLoaderLimitsTests
{
    private const string Route = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: v1}
        """;

    /// <summary>Text nested <paramref name="depth"/> levels deep, in the shapes that overflowed YamlDotNet's stack.</summary>
    internal static string Nested(string shape, int depth) => shape switch
    {
        "yaml-flow-sequence" => new string('[', depth),
        "yaml-flow-mapping" => new StringBuilder().Insert(0, "{a: ", depth).ToString(),
        "yaml-block-sequence" => new StringBuilder().Insert(0, "- ", depth).Append('x').ToString(),
        "json-array" => new string('[', depth) + new string(']', depth),
        "json-object" => new StringBuilder().Insert(0, "{\"a\": ", depth).Append('1').Append('}', depth).ToString(),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    [Theory]
    [InlineData("yaml-flow-sequence")]
    [InlineData("yaml-flow-mapping")]
    [InlineData("yaml-block-sequence")]
    [InlineData("json-array")]
    [InlineData("json-object")]
    public void LoadText_NestedHundredThousandLevels_IsRejectedAtTheDepthLimitWithItsPosition(string shape)
    {
        var result = IstioConfigLoader.LoadText(Nested(shape, 100_000), "nested.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.StartsWith("nested.yaml:1:", error.ToString(), StringComparison.Ordinal);
        Assert.Contains($"nested more than {ConfigInputLimits.MaxDepth} levels deep", error.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void LoadText_NestedExactlyToTheLimit_IsNotRejectedForDepth()
    {
        // 99 lists and the scalar inside them: 100 levels.
        var atLimit = new string('[', 99) + "1" + new string(']', 99);

        var result = IstioConfigLoader.LoadText(atLimit, "deep.json");
        var oneMore = IstioConfigLoader.LoadText("[" + atLimit + "]", "deep.json");

        Assert.DoesNotContain(result.Errors, e => e.Reason.Contains("nested", StringComparison.Ordinal));
        Assert.Contains(oneMore.Errors, e => e.Reason.Contains("nested", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadText_NestedDocumentAfterAGoodOne_ReportsItsLineAndTheGoodOneStillLoads()
    {
        var text = Route + "\n---\n" + Nested("yaml-flow-sequence", 5_000);

        var result = IstioConfigLoader.LoadText(text, "mixed.yaml");

        Assert.IsType<VirtualService>(Assert.Single(result.Resources));
        var error = Assert.Single(result.Errors);
        Assert.Equal((10, ConfigInputLimits.MaxDepth + 1), (error.Line, error.Column));
    }

    [Fact]
    public void LoadText_LargerThanTheLimit_IsRejectedWithItsSize()
    {
        var limits = new ConfigInputLimits { MaxFileBytes = 100 };

        var result = IstioConfigLoader.LoadText(Route, "vs.yaml", limits);

        var error = Assert.Single(result.Errors);
        Assert.Null(error.Line);
        Assert.Equal($"vs.yaml: the file is {Encoding.UTF8.GetByteCount(Route)} bytes, more than the 100 bytes a config file may hold (the limit on config input): split it", error.ToString());
        Assert.Empty(result.Resources);
    }

    [Fact]
    public void LoadFile_LargerThanTheDefaultLimit_IsRejectedWithoutBeingRead()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "huge.yaml");
        using (var file = File.Create(path))
        {
            file.SetLength(ConfigInputLimits.DefaultMaxFileBytes + 1);
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var result = IstioConfigLoader.LoadFile(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Contains("bytes a config file may hold", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
        Assert.True(allocated < 256 * 1024, $"loading a rejected 4 MiB file allocated {allocated} bytes: it was read");
    }

    [Fact]
    public void LoadText_AliasBomb_IsRejectedAtTheNodeLimitQuickly()
    {
        // "Billion laughs": ten levels of ten aliases each stand for 10^10 nodes in a few hundred bytes.
        var text = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 10; i++)
        {
            text.Append($"a{i}: &a{i} [").AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10)).Append("]\n");
        }

        var result = IstioConfigLoader.LoadText(text.ToString(), "laughs.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Contains($"more than {ConfigInputLimits.DefaultMaxNodes} YAML nodes", error.Reason, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
    }

    [Theory]
    [InlineData("a: &x [*x]\n", "the alias *x is inside the node its anchor names")]
    [InlineData("a: &x {b: *x}\n", "the alias *x is inside the node its anchor names")]
    [InlineData("a: *x\nb: &x 1\n", "the alias *x names no anchor (&x) before it")]
    public void LoadText_AliasThatIsNotAnEarlierCompleteNode_IsRejected(string text, string reason)
    {
        var result = IstioConfigLoader.LoadText(text, "alias.yaml");

        Assert.Contains(reason, Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadText_AliasToAnEarlierAnchor_RepeatsItsNode()
    {
        var text = Route.Replace("- destination: {host: reviews, subset: v1}", "- &v1 {destination: {host: reviews, subset: v1}, weight: 50}\n    - *v1");

        var result = IstioConfigLoader.LoadText(text, "vs.yaml");

        Assert.Empty(result.Errors);
        var vs = Assert.IsType<VirtualService>(Assert.Single(result.Resources));
        Assert.Equal(["v1", "v1"], vs.Spec.Http[0].Route.Select(r => r.Destination!.Subset));
    }

    [Fact]
    public void LoadText_AnchorInAnotherListItemEdited_ChangesTheHashOfTheItemThatRepeatsIt()
    {
        const string list = """
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {name: a}, spec: {host: a, trafficPolicy: &policy {loadBalancer: {simple: RANDOM}}}}
            - {apiVersion: networking.istio.io/v1, kind: DestinationRule, metadata: {name: b}, spec: {host: b, trafficPolicy: *policy}}
            """;

        var before = IstioConfigLoader.LoadText(list, "list.yaml");
        var after = IstioConfigLoader.LoadText(list.Replace("RANDOM", "LEAST_REQUEST"), "list.yaml");

        Assert.Empty(before.Errors);
        Assert.NotEqual(before.Resources[1].ContentHash, after.Resources[1].ContentHash);
    }

    [Fact]
    public void LoadText_ManyEmptyDocuments_AreBoundedByTheNodeLimit()
    {
        var text = new StringBuilder().Insert(0, "---\n", 2_000).ToString();

        var result = IstioConfigLoader.LoadText(text, "empty.yaml", new ConfigInputLimits { MaxNodes = 1_000 });

        Assert.Contains("more than 1000 YAML nodes", Assert.Single(result.Errors).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a: [b\nc: d\n", 1, 4, "YAML syntax error: this '[' is not closed: expected ',' or ']'")]
    [InlineData("kind: List\nitems: [\n  {a: b},\n  {c: d}\nfoo: bar\n", 2, 8, "YAML syntax error: this '[' is not closed: expected ',' or ']'")]
    [InlineData("kind: VirtualService\nmetadata: {name: x\nspec: {}\n", 2, 11, "YAML syntax error: this '{' is not closed: expected ',' or '}'")]
    public void LoadText_BracketNotClosedBeforeTheNextKey_NamesTheBracketsLineAndColumn(string text, int line, int column, string reason)
    {
        var error = Assert.Single(IstioConfigLoader.LoadText(text, "bad.yaml").Errors);

        Assert.Equal($"bad.yaml:{line}:{column}: {reason}", error.ToString());
    }

    [Fact]
    public void LoadText_EmptyKeyWithAnAnchoredEmptyValue_IsASyntaxErrorAtTheKey()
    {
        // Found by the fuzz target: YamlDotNet's parser drops this value and its node builder threw ArgumentException.
        var error = Assert.Single(IstioConfigLoader.LoadText("  : &a0", "fuzz.yaml").Errors);

        Assert.Equal("fuzz.yaml:1:4: YAML syntax error: this key has no value that can be read", error.ToString());
    }

    [Fact]
    public void LoadText_TagThatIsNotAUri_IsASyntaxErrorAfterTheLastNodeRead()
    {
        // Found by the fuzz target: YamlDotNet's parser threw ArgumentException ("Global tags must be valid URIs").
        var error = Assert.Single(IstioConfigLoader.LoadText("  &f0 [!!bi]", "fuzz.yaml").Errors);

        Assert.Equal("fuzz.yaml:1:7: YAML syntax error: cannot read what follows: Global tags must be valid URIs. (inside the '[' at 1:3)", error.ToString());
    }

    [Fact]
    public void LoadText_BracketNotClosedAtTheEnd_NamesWhereItOpened()
    {
        var error = Assert.Single(IstioConfigLoader.LoadText("apiVersion: v1\nkind: List\nitems: [\n  {a: b}\n", "bad.yaml").Errors);

        Assert.NotNull(error.Line);
        Assert.EndsWith("(inside the '[' at 3:8)", error.Reason, StringComparison.Ordinal);
    }
}
