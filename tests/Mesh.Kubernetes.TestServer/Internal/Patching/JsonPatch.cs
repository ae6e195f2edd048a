using System.Globalization;
using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Patching;

/// <summary>RFC 6902 JSON Patch (application/json-patch+json): add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonNode patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("json patch must be an array of operations");
        }
        JsonNode root = target;
        foreach (var operation in operations)
        {
            var op = operation?["op"]?.GetValue<string>() ?? throw Invalid("an operation without \"op\"");
            var path = operation["path"]?.GetValue<string>() ?? throw Invalid($"operation {op} without \"path\"");
            switch (op)
            {
                case "add":
                    root = Add(root, path, Value(operation));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, Value(operation));
                    break;
                case "move":
                    var moved = Get(root, From(operation));
                    Remove(root, From(operation));
                    root = Add(root, path, moved);
                    break;
                case "copy":
                    root = Add(root, path, Get(root, From(operation))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), Value(operation)))
                    {
                        throw Invalid($"testing value {path} failed");
                    }
                    break;
                default:
                    throw Invalid($"unexpected operation \"{op}\"");
            }
        }
        return root as JsonObject ?? throw Invalid("the patch replaced the whole object with something that is not an object");
    }

    private static JsonNode? Value(JsonNode operation) =>
        operation.AsObject().TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw Invalid("an operation without \"value\"");

    private static string From(JsonNode operation) => operation["from"]?.GetValue<string>() ?? throw Invalid("an operation without \"from\"");

    private static JsonNode? Get(JsonNode root, string path)
    {
        var (parent, last) = Parent(root, path);
        if (parent is null)
        {
            return root;
        }
        return parent switch
        {
            JsonObject obj when obj.TryGetPropertyValue(last, out var value) => value,
            JsonArray array when Index(array, last, false) is var i => array[i],
            _ => throw Invalid($"missing value at {path}"),
        };
    }

    private static JsonNode Add(JsonNode root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        if (parent is null)
        {
            return value ?? throw Invalid("cannot replace the whole document with null");
        }
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                if (last == "-")
                {
                    array.Add(value);
                }
                else
                {
                    array.Insert(Index(array, last, true), value);
                }
                break;
            default:
                throw Invalid($"cannot add at {path}: the parent is not an object or array");
        }
        return root;
    }

    private static void Remove(JsonNode root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject obj when obj.Remove(last):
                break;
            case JsonArray array:
                array.RemoveAt(Index(array, last, false));
                break;
            default:
                throw Invalid($"Unable to remove nonexistent key: {path}: missing value");
        }
    }

    /// <summary>The container of the addressed value and the last reference token (null parent for the whole document "").</summary>
    private static (JsonNode? Parent, string Last) Parent(JsonNode root, string path)
    {
        if (path.Length == 0)
        {
            return (null, "");
        }
        if (path[0] != '/')
        {
            throw Invalid($"invalid path {path}");
        }
        var tokens = path[1..].Split('/');
        var node = root;
        for (var i = 0; i < tokens.Length - 1; i++)
        {
            var token = Unescape(tokens[i]);
            node = node switch
            {
                JsonObject obj => obj[token],
                JsonArray array => array[Index(array, token, false)],
                _ => null,
            } ?? throw Invalid($"missing value at {path}");
        }
        return (node, Unescape(tokens[^1]));
    }

    private static int Index(JsonArray array, string token, bool allowEnd)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > array.Count
            || (index == array.Count && !allowEnd))
        {
            throw Invalid($"index {token} out of bounds for an array of {array.Count}");
        }
        return index;
    }

    private static string Unescape(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    private static ApiException Invalid(string message) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: {message}");
}
