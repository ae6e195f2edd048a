using System.Text.Json.Nodes;
using Mesh.Injection;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>The webhook's JSON patch: RFC 6901 escaping, arrays diffed by identity, and every patch applying back to its target.</summary>
public sealed class JsonPatchTests
{
    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":{"b":[1,2]}}""", """{"a":{"b":[1,2,3]},"c":null}""")]
    [InlineData("""{"list":[{"name":"x","v":1},{"name":"y"}]}""", """{"list":[{"name":"i"},{"name":"x","v":2},{"name":"z"},{"name":"y"}]}""")]
    [InlineData("""{"list":[{"name":"x"},{"name":"y"}]}""", """{"list":[{"name":"y"},{"name":"x"}]}""")]
    [InlineData("""{"list":[1,2,3,4]}""", """{"list":[2,4,5]}""")]
    [InlineData("""{"m":{"a/b":"1","c~d":"2"}}""", """{"m":{"a/b":"3","e":"4"}}""")]
    [InlineData("""{"a":[1],"b":"x"}""", """{"a":{"k":1},"b":["x"]}""")]
    public void Create_ThenApply_GivesTheTarget(string from, string to)
    {
        var patch = JsonPatch.Create(JsonNode.Parse(from), JsonNode.Parse(to));

        var result = JsonPatch.Apply(JsonNode.Parse(from)!, patch);

        InjectionData.AssertJsonEqual(JsonNode.Parse(to), result, $"patch {patch.ToJsonString()}");
    }

    [Fact]
    public void Create_KeysWithSlashAndTilde_EscapedAsRfc6901()
    {
        var patch = JsonPatch.Create(JsonNode.Parse("""{"metadata":{}}"""), JsonNode.Parse("""{"metadata":{"a/b~c":"1"}}"""));

        Assert.Equal("/metadata/a~1b~0c", Assert.Single(patch)!["path"]!.GetValue<string>());
    }

    [Fact]
    public void Create_ContainerInsertedBeforeExisting_AddsAndKeepsTheExistingInPlace()
    {
        var patch = JsonPatch.Create(
            JsonNode.Parse("""{"initContainers":[{"name":"setup","unknownField":true}]}"""),
            JsonNode.Parse("""{"initContainers":[{"name":"istio-init"},{"name":"setup","unknownField":true}]}"""));

        var operation = Assert.Single(patch)!;
        Assert.Equal("add", operation["op"]!.GetValue<string>());
        Assert.Equal("/initContainers/0", operation["path"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_UnknownOperation_Refused()
    {
        var patch = (JsonArray)JsonNode.Parse("""[{"op":"move","from":"/a","path":"/b"}]""")!;

        Assert.Throws<FormatException>(() => JsonPatch.Apply(JsonNode.Parse("""{"a":1}""")!, patch));
    }
}
