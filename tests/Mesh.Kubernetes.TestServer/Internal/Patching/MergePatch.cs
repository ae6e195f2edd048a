using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Patching;

/// <summary>RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge, null deletes, anything else replaces.</summary>
internal static class MergePatch
{
    public static JsonObject Apply(JsonObject target, JsonNode patch)
    {
        if (patch is not JsonObject patchObject)
        {
            throw ApiException.BadRequest("a merge patch must be a JSON object");
        }
        Merge(target, patchObject);
        return target;
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchChild && target[key] is JsonObject targetChild)
            {
                Merge(targetChild, patchChild);
            }
            else if (value is JsonObject newChild)
            {
                var created = new JsonObject();
                Merge(created, newChild);
                target[key] = created;
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
