using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// `check --pre`'s permissions: may the caller create every kind the manifests hold, where they hold it? One
/// SelfSubjectAccessReview (authorization.k8s.io/v1) per resource and namespace.
/// </summary>
internal static class CreatePermissions
{
    public sealed record Answer(bool Allowed, string Text, string? Hint);

    public static async Task<List<Answer>> ReviewAsync(KubeApi api, IReadOnlyList<JsonObject> manifests, CancellationToken cancellationToken)
    {
        var client = new ResourceClient(api);
        var crdGroups = new HashSet<string>();
        foreach (var item in manifests)
        {
            if (item["kind"]?.ToString() == "CustomResourceDefinition")
            {
                crdGroups.Add(item["spec"]?["group"]?.ToString() ?? "");
            }
        }

        var answers = new List<Answer>();
        var checkedKinds = new HashSet<string>();
        foreach (var item in manifests)
        {
            var id = ObjectId.Of(item);
            var type = await client.ResolveAsync(id.ApiVersion, id.Kind, cancellationToken);
            if (type is null)
            {
                // Kinds the manifests' own CRDs define are served once those are installed.
                if (!crdGroups.Contains(id.Group) && checkedKinds.Add(id.ApiVersion + "/" + id.Kind))
                {
                    answers.Add(new(false, $"the cluster does not serve {id.Kind} ({id.ApiVersion})", "the mesh needs Kubernetes 1.28+ with the standard API groups enabled"));
                }

                continue;
            }

            var resource = type.Group.Length == 0 ? type.Plural : $"{type.Plural}.{type.Group}";
            var ns = type.Namespaced ? (id.Namespace.Length == 0 ? "default" : id.Namespace) : "";
            if (checkedKinds.Add(resource + "@" + ns))
            {
                answers.Add(await ReviewAsync(api, type, resource, ns, cancellationToken));
            }
        }

        return answers;
    }

    private static async Task<Answer> ReviewAsync(KubeApi api, ResourceType type, string resource, string ns, CancellationToken cancellationToken)
    {
        var review = new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SelfSubjectAccessReview",
            ["spec"] = new JsonObject
            {
                ["resourceAttributes"] = new JsonObject { ["verb"] = "create", ["group"] = type.Group, ["resource"] = type.Plural, ["namespace"] = ns },
            },
        };
        var answer = await api.SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, cancellationToken: cancellationToken);
        var where = ns.Length == 0 ? "" : $" in {ns}";
        if (!answer.Ok)
        {
            return new(false, $"cannot ask whether {resource} may be created{where}: {answer.Message}", "the API server must serve authorization.k8s.io/v1 SelfSubjectAccessReview");
        }

        if (answer.Body?["status"]?["allowed"]?.GetValue<bool>() == true)
        {
            return new(true, $"can create {resource}{where}", null);
        }

        var reason = answer.Body?["status"]?["reason"]?.ToString();
        return new(false, $"cannot create {resource}{where}{(string.IsNullOrEmpty(reason) ? "" : ": " + reason)}",
            $"install as a cluster admin; kubectl auth can-i create {resource}{(ns.Length == 0 ? "" : " -n " + ns)}");
    }
}
