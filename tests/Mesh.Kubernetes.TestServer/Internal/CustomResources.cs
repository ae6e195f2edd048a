using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// What the real apiextensions controllers do once a CRD is stored: check its names, mark it Established and
/// NamesAccepted, and serve its resource at every served version from one storage (conversion strategy None:
/// only apiVersion changes between versions). Schemas are neither validated against nor used for pruning or defaults.
/// </summary>
internal static class CustomResources
{
    /// <summary>Checks the CRD and writes its status; serves its resource unless <paramref name="serve"/> is false (a dry run).</summary>
    public static void Establish(JsonObject crd, ResourceCatalog catalog, bool serve)
    {
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var spec = crd["spec"] as JsonObject;
        var key = ResourceCatalog.CrdKey(crd);
        var type = CatalogType(catalog);
        if (spec is null || key is null || spec["names"]?["kind"] is null)
        {
            throw ApiException.Invalid(type, name, "spec: Required value: group, names.plural and names.kind are required");
        }
        if (key != name)
        {
            throw ApiException.Invalid(type, name, $"metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group");
        }
        var storage = "";
        var served = 0;
        if (spec["versions"] is JsonArray versions)
        {
            foreach (var version in versions)
            {
                if (version?["storage"]?.GetValue<bool>() == true)
                {
                    storage = version["name"]?.GetValue<string>() ?? "";
                }
                if (version?["served"]?.GetValue<bool>() != false)
                {
                    served++;
                }
            }
        }
        if (storage.Length == 0 || served == 0)
        {
            throw ApiException.Invalid(type, name, "spec.versions: Invalid value: must have exactly one version marked as storage version");
        }
        if (serve)
        {
            catalog.ServeCustomResource(crd);
        }
        var conditions = new JsonArray();
        foreach (var (conditionType, reason, message) in new[]
        {
            ("NamesAccepted", "NoConflicts", "no conflicts found"),
            ("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        })
        {
            conditions.Add(new JsonObject
            {
                ["type"] = conditionType,
                ["status"] = "True",
                ["lastTransitionTime"] = crd["metadata"]?["creationTimestamp"]?.DeepClone(),
                ["reason"] = reason,
                ["message"] = message,
            });
        }
        crd["status"] = new JsonObject
        {
            ["conditions"] = conditions,
            ["acceptedNames"] = spec["names"]!.DeepClone(),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static ResourceType CatalogType(ResourceCatalog catalog) =>
        catalog.FindByKey("customresourcedefinitions.apiextensions.k8s.io")!;
}
