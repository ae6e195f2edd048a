using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Just enough OpenAPI v3 for kubectl apply: the /openapi/v3 root naming one document per group version, and per
/// group version a PATCH operation for each kind declaring the fieldValidation parameter. kubectl then leaves
/// validation to the server (which does not validate against schemas) instead of downloading /openapi/v2 (404 here,
/// which made `kubectl apply` fail without --validate=false). The PATCH operations declare no request body, so
/// kubectl computes strategic merge patches from its compiled-in types for built-in kinds and JSON merge patches
/// for custom resources, as it does against a real server for CRDs. No schemas are served: `kubectl explain` fails.
/// </summary>
internal static class OpenApiDocuments
{
    public static JsonObject Root(ResourceCatalog catalog)
    {
        var paths = new JsonObject();
        foreach (var (group, versions) in catalog.Groups())
        {
            foreach (var version in versions)
            {
                if (GroupVersion(catalog, group, version) is { } document)
                {
                    var path = GroupVersionPath(group, version);
                    paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash={Hash(document)}" };
                }
            }
        }
        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document at /openapi/v3/api/v1 or /openapi/v3/apis/G/V; null when nothing is served there.</summary>
    public static JsonObject? GroupVersion(ResourceCatalog catalog, string group, string version)
    {
        var paths = new JsonObject();
        foreach (var type in catalog.Types)
        {
            if (type.Group != group || Array.IndexOf(type.Versions, version) < 0 || Array.IndexOf(type.Verbs, "patch") < 0)
            {
                continue;
            }
            var collection = type.Namespaced
                ? $"/{GroupVersionPath(group, version)}/namespaces/{{namespace}}/{type.Plural}"
                : $"/{GroupVersionPath(group, version)}/{type.Plural}";
            paths[collection + "/{name}"] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = "patch" + type.Kind,
                    ["parameters"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "fieldValidation",
                        ["in"] = "query",
                        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
                    }),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject
                    {
                        ["group"] = group,
                        ["version"] = version,
                        ["kind"] = type.Kind,
                    },
                },
            };
        }
        if (paths.Count == 0)
        {
            return null;
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "unversioned" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static string GroupVersionPath(string group, string version) => group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";

    private static string Hash(JsonObject document) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())))[..32];
}
