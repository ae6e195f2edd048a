using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Patching;

/// <summary>
/// Strategic merge patch (application/strategic-merge-patch+json) for the built-in kinds, as kubectl apply and
/// client-go send it: maps merge, null deletes, lists of objects merge by their patch merge key
/// (<see cref="PatchMergeKeys"/>), other lists are replaced. Directives:
/// <c>$patch: replace|delete|merge</c> on maps and list elements, <c>$retainKeys</c> (keys not listed are
/// cleared before merging), <c>$deleteFromPrimitiveList/F</c>, and <c>$setElementOrder/F</c> (the listed elements
/// take that order; elements only the server has follow them, in their order: the real server interleaves them,
/// which no client of this server depends on).
/// </summary>
internal static class StrategicMergePatch
{
    private const string SetElementOrder = "$setElementOrder/";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(JsonObject target, JsonNode patch, string kind)
    {
        if (patch is not JsonObject patchObject)
        {
            throw ApiException.BadRequest("a strategic merge patch must be a JSON object");
        }
        return MergeMap(target, patchObject, kind, []) ?? throw ApiException.BadRequest("$patch: delete of the whole object");
    }

    /// <summary>Merges a patch map into a target map; null when the patch deletes the map.</summary>
    private static JsonObject? MergeMap(JsonObject target, JsonObject patch, string kind, List<string> path)
    {
        switch (patch["$patch"]?.GetValue<string>())
        {
            case "delete":
                return null;
            case "replace":
                var replacement = (JsonObject)patch.DeepClone();
                replacement.Remove("$patch");
                return replacement;
        }
        if (patch["$retainKeys"] is JsonArray retain)
        {
            var keep = new HashSet<string>();
            foreach (var key in retain)
            {
                keep.Add(key!.GetValue<string>());
            }
            foreach (var key in target.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key))
                {
                    target.Remove(key);
                }
            }
        }
        foreach (var (key, value) in patch)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith(SetElementOrder, StringComparison.Ordinal))
            {
                continue;
            }
            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveList.Length..];
                if (target[field] is JsonArray list && value is JsonArray doomed)
                {
                    RemoveAll(list, item => doomed.Any(d => JsonNode.DeepEquals(d, item)));
                }
                continue;
            }
            if (value is null)
            {
                target.Remove(key);
                continue;
            }
            path.Add(key);
            var merged = value switch
            {
                JsonObject patchChild => MergeMap(target[key] as JsonObject ?? new JsonObject(), patchChild, kind, path),
                JsonArray patchList => MergeList(target[key] as JsonArray, patchList, kind, key, path[..^1]),
                _ => value.DeepClone(),
            };
            path.RemoveAt(path.Count - 1);
            if (merged is null)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = merged.Parent is null ? merged : merged.DeepClone();
            }
        }
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith(SetElementOrder, StringComparison.Ordinal) && value is JsonArray order)
            {
                var field = key[SetElementOrder.Length..];
                if (target[field] is JsonArray list)
                {
                    target[field] = Ordered(list, order, PatchMergeKeys.ForObjectList(kind, field, path));
                }
            }
        }
        return target;
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, string kind, string field, List<string> parentPath)
    {
        var mergeKey = PatchMergeKeys.ForObjectList(kind, field, parentPath);
        var replace = patch.Any(item => item is JsonObject o && o["$patch"]?.GetValue<string>() == "replace");
        if (target is null || replace || (mergeKey is null && !PatchMergeKeys.IsMergedPrimitiveList(field, parentPath)))
        {
            var result = new JsonArray();
            foreach (var item in patch)
            {
                if (item is not JsonObject o || o["$patch"] is null)
                {
                    result.Add(item?.DeepClone());
                }
            }
            return result;
        }
        var merged = (JsonArray)target.DeepClone();
        if (mergeKey is null)
        {
            // A primitive list with the merge strategy: a set union.
            foreach (var item in patch)
            {
                if (!merged.Any(existing => JsonNode.DeepEquals(existing, item)))
                {
                    merged.Add(item?.DeepClone());
                }
            }
            return merged;
        }
        var childPath = new List<string>(parentPath) { field };
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                continue;
            }
            var key = patchItem[mergeKey];
            var index = IndexOf(merged, mergeKey, key);
            if (patchItem["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    merged.RemoveAt(index);
                }
                continue;
            }
            if (index >= 0)
            {
                var existing = (JsonObject)merged[index]!;
                merged.RemoveAt(index);
                var result = MergeMap(existing, patchItem, kind, childPath);
                if (result is not null)
                {
                    merged.Insert(index, result.Parent is null ? result : result.DeepClone());
                }
            }
            else
            {
                var added = (JsonObject)patchItem.DeepClone();
                added.Remove("$patch");
                merged.Add(added);
            }
        }
        return merged;
    }

    private static JsonArray Ordered(JsonArray list, JsonArray order, string? mergeKey)
    {
        var remaining = list.Select(item => item?.DeepClone()).ToList();
        var result = new JsonArray();
        foreach (var wanted in order)
        {
            var index = remaining.FindIndex(item => mergeKey is null
                ? JsonNode.DeepEquals(item, wanted)
                : item is JsonObject o && JsonNode.DeepEquals(o[mergeKey], wanted?[mergeKey]));
            if (index >= 0)
            {
                result.Add(remaining[index]);
                remaining.RemoveAt(index);
            }
        }
        foreach (var item in remaining)
        {
            result.Add(item);
        }
        return result;
    }

    private static int IndexOf(JsonArray list, string mergeKey, JsonNode? key)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject item && JsonNode.DeepEquals(item[mergeKey], key))
            {
                return i;
            }
        }
        return -1;
    }

    private static void RemoveAll(JsonArray list, Func<JsonNode?, bool> doomed)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (doomed(list[i]))
            {
                list.RemoveAt(i);
            }
        }
    }
}
