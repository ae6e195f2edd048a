using System.Text.Json.Nodes;

namespace Mesh.Injection;

/// <summary>
/// RFC 6902 JSON patches: the webhook's answer is the difference between the pod it was sent and the injected pod.
/// <see cref="Create"/> diffs two documents into add/remove/replace operations (RFC 6901 pointers, <c>~0</c>/<c>~1</c>
/// escaped); arrays are diffed by element identity (a <c>name</c> field, else the whole value), so inserting the
/// sidecar's containers adds them where they go and leaves the app's containers, and any field this model does not
/// know inside them, in place. <see cref="Apply"/> applies such a patch (kube-inject and the tests go through it).
/// </summary>
internal static class JsonPatch
{
    public static JsonArray Create(JsonNode? from, JsonNode? to)
    {
        var operations = new JsonArray();
        Diff(from, to, "", operations);
        return operations;
    }

    private static void Diff(JsonNode? from, JsonNode? to, string path, JsonArray operations)
    {
        if (from is JsonObject fromObject && to is JsonObject toObject)
        {
            foreach (var (key, value) in fromObject)
            {
                if (!toObject.ContainsKey(key))
                {
                    operations.Add(Operation("remove", path + "/" + Escape(key), null, false));
                }
            }

            foreach (var (key, value) in toObject)
            {
                var child = path + "/" + Escape(key);
                if (fromObject.TryGetPropertyValue(key, out var old))
                {
                    Diff(old, value, child, operations);
                }
                else
                {
                    operations.Add(Operation("add", child, value, true));
                }
            }
        }
        else if (from is JsonArray fromArray && to is JsonArray toArray)
        {
            DiffArray(fromArray, toArray, path, operations);
        }
        else if (!JsonNode.DeepEquals(from, to))
        {
            operations.Add(Operation("replace", path, to, true));
        }
    }

    private static void DiffArray(JsonArray from, JsonArray to, string path, JsonArray operations)
    {
        // Match each new element to the first unmatched old one of the same identity.
        var fromKeys = from.Select(Identity).ToList();
        var matched = new bool[from.Count];
        var source = new int[to.Count];
        var previous = -1;
        var ordered = true;
        for (var i = 0; i < to.Count; i++)
        {
            var key = Identity(to[i]);
            source[i] = -1;
            for (var j = 0; j < from.Count; j++)
            {
                if (!matched[j] && fromKeys[j] == key)
                {
                    matched[j] = true;
                    source[i] = j;
                    ordered &= j > previous;
                    previous = j;
                    break;
                }
            }
        }

        if (!ordered)
        {
            // Reordered elements: one replacement of the whole array says it plainly.
            operations.Add(Operation("replace", path, to, true));
            return;
        }

        // Remove the old elements that are gone (from the end, so the indexes stay true), then walk the new array:
        // everything before index i already matches, and the kept old elements follow in their order.
        for (var j = from.Count - 1; j >= 0; j--)
        {
            if (!matched[j])
            {
                operations.Add(Operation("remove", path + "/" + j, null, false));
            }
        }

        for (var i = 0; i < to.Count; i++)
        {
            var index = path + "/" + i;
            if (source[i] < 0)
            {
                operations.Add(Operation("add", index, to[i], true));
            }
            else
            {
                Diff(from[source[i]], to[i], index, operations);
            }
        }
    }

    private static string Identity(JsonNode? node) =>
        node is JsonObject element && element.TryGetPropertyValue("name", out var name) && name is JsonValue value && value.TryGetValue<string>(out var text)
            ? "name:" + text
            : "value:" + (node?.ToJsonString() ?? "null");

    private static JsonObject Operation(string op, string path, JsonNode? value, bool withValue)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = path };
        if (withValue)
        {
            operation["value"] = value?.DeepClone();
        }

        return operation;
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Unescape(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    /// <summary>Applies add/remove/replace operations to <paramref name="document"/> (changed in place) and returns it.</summary>
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        foreach (var item in operations)
        {
            var operation = item as JsonObject ?? throw new FormatException("a JSON patch operation must be an object");
            var op = operation["op"]?.GetValue<string>();
            var path = operation["path"]?.GetValue<string>() ?? throw new FormatException("a JSON patch operation needs a path");
            if (path.Length == 0)
            {
                throw new FormatException("a patch of the whole document is not supported");
            }

            if (path[0] != '/')
            {
                throw new FormatException($"{path}: a JSON pointer starts with /");
            }

            var tokens = path[1..].Split('/').Select(Unescape).ToArray();
            var parent = document;
            for (var i = 0; i < tokens.Length - 1; i++)
            {
                parent = Child(parent, tokens[i], path);
            }

            var last = tokens[^1];
            var value = operation["value"]?.DeepClone();
            switch (op, parent)
            {
                case ("add", JsonObject container):
                    container[last] = value;
                    break;
                case ("add", JsonArray array):
                    array.Insert(last == "-" ? array.Count : Index(last, array.Count + 1, path), value);
                    break;
                case ("remove", JsonObject container):
                    if (!container.Remove(last))
                    {
                        throw new FormatException($"{path}: nothing to remove");
                    }

                    break;
                case ("remove", JsonArray array):
                    array.RemoveAt(Index(last, array.Count, path));
                    break;
                case ("replace", JsonObject container):
                    if (!container.ContainsKey(last))
                    {
                        throw new FormatException($"{path}: nothing to replace");
                    }

                    container[last] = value;
                    break;
                case ("replace", JsonArray array):
                    array[Index(last, array.Count, path)] = value;
                    break;
                default:
                    throw new FormatException($"{path}: operation {op} is not supported here");
            }
        }

        return document;
    }

    private static JsonNode Child(JsonNode parent, string token, string path) => parent switch
    {
        JsonObject container => container[token] ?? throw new FormatException($"{path}: {token} is missing"),
        JsonArray array => array[Index(token, array.Count, path)] ?? throw new FormatException($"{path}: element {token} is null"),
        _ => throw new FormatException($"{path}: {token} is inside a value"),
    };

    private static int Index(string token, int bound, string path) =>
        int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < bound
            ? index
            : throw new FormatException($"{path}: {token} is not an index of the array");
}
