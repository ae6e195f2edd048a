using System.Text.Json.Nodes;
using Mesh.Kubernetes.TestServer.Internal.Patching;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>PATCH in its formats, and server-side apply in a reduced form: each computes the new object for the shared update path.</summary>
internal sealed partial class ResourceEndpoints
{
    /// <summary>
    /// PATCH: JSON patch, merge patch, or strategic merge patch (built-in kinds only, as the real server: custom
    /// resources answer 415), or server-side apply in a reduced form (see <see cref="ApplyAsync"/>).
    /// </summary>
    public async Task PatchAsync(HttpContext context, ResourceRequest request)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim() ?? "";
        if (contentType == "application/apply-patch+yaml")
        {
            await ApplyAsync(context, request);
            return;
        }
        Func<JsonObject, JsonNode, JsonObject> apply = contentType switch
        {
            "application/json-patch+json" => JsonPatch.Apply,
            "application/merge-patch+json" => MergePatch.Apply,
            "application/strategic-merge-patch+json" when !request.Type.IsCustom => (target, patch) => StrategicMergePatch.Apply(target, patch, request.Type.Kind),
            _ => throw new ApiException(415, "UnsupportedMediaType",
                $"the body of the request was in an unknown format - accepted media types include: " +
                "application/json-patch+json, application/merge-patch+json" +
                (!request.Type.IsCustom ? ", application/strategic-merge-patch+json" : "")),
        };
        var patch = await JsonResponses.ReadNodeAsync(context);
        await UpdateAsync(context, request, "PatchOptions", DryRun(context, "PatchOptions"), current =>
        {
            var patched = apply(WithoutVersion(current), patch);
            return Accept(patched, request with { Version = request.Type.Versions[0] });
        });
    }

    /// <summary>
    /// Server-side apply, reduced: the applied configuration (JSON only; YAML bodies are refused with 415) creates the
    /// object when absent, else is merged onto it (strategic merge for built-in kinds, merge patch for custom
    /// resources). There are no managedFields: fields left out of a later apply are kept, not removed, and no
    /// conflicts between field managers are reported. fieldManager is required, as on the real server.
    /// </summary>
    private async Task ApplyAsync(HttpContext context, ResourceRequest request)
    {
        if (string.IsNullOrEmpty(context.Request.Query["fieldManager"]))
        {
            throw new ApiException(422, "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }
        JsonObject applied;
        try
        {
            applied = await JsonResponses.ReadObjectAsync(context);
        }
        catch (ApiException e) when (e.Code == 400)
        {
            throw new ApiException(415, "UnsupportedMediaType", "this test API server reads apply patches as JSON only (YAML is not parsed)");
        }
        var dryRun = DryRun(context, "PatchOptions");
        Accept((JsonObject)applied.DeepClone(), request);
        if (applied["metadata"]?["name"]?.GetValue<string>() is { } appliedName && appliedName != request.Name)
        {
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({request.Name})");
        }
        if (store.Get(request.Type, request.Namespace, request.Name!) is null)
        {
            applied = Accept(applied, request);
            applied["metadata"]!["name"] = request.Name;
            await CreateObjectAsync(context, request, applied, dryRun);
            return;
        }
        applied.Remove("apiVersion");
        applied.Remove("kind");
        await UpdateAsync(context, request, "PatchOptions", dryRun, current =>
        {
            var merged = request.Type.IsCustom
                ? MergePatch.Apply(WithoutVersion(current), applied)
                : StrategicMergePatch.Apply(WithoutVersion(current), applied, request.Type.Kind);
            return Accept(merged, request with { Version = request.Type.Versions[0] });
        });
    }

    /// <summary>
    /// The current object without its resourceVersion, for a patch to apply to: a resourceVersion in the result is
    /// then one the patch set, a precondition; without one the patch applies to whatever is current (and retries).
    /// </summary>
    private static JsonObject WithoutVersion(JsonObject current)
    {
        var copy = (JsonObject)current.DeepClone();
        (copy["metadata"] as JsonObject)?.Remove("resourceVersion");
        return copy;
    }
}
