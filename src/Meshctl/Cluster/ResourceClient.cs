using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// Objects of any kind by apiVersion and kind: discovery (`/api/v1`, `/apis/GROUP/VERSION`) maps a kind to its
/// resource path and scope, read once per group version and again when a kind is missing (a CRD just established).
/// </summary>
internal sealed class ResourceClient(KubeApi api)
{
    public const string FieldManager = "meshctl";
    private readonly Dictionary<string, Dictionary<string, ResourceType>> _discovery = [];

    public KubeApi Api => api;

    /// <summary>The kind's resource, or null when the cluster does not serve it.</summary>
    public async Task<ResourceType?> ResolveAsync(string apiVersion, string kind, CancellationToken cancellationToken)
    {
        if (_discovery.TryGetValue(apiVersion, out var kinds) && kinds.TryGetValue(kind, out var known))
        {
            return known;
        }

        var response = await api.GetAsync(apiVersion.Contains('/') ? "/apis/" + apiVersion : "/api/" + apiVersion, cancellationToken);
        kinds = [];
        if (response.Ok && response.Body?["resources"] is JsonArray resources)
        {
            foreach (var resource in resources)
            {
                var name = resource?["name"]?.ToString() ?? "";
                // Subresources (deployments/status) share their kind; the collection is the one without a slash.
                if (name.Length == 0 || name.Contains('/'))
                {
                    continue;
                }

                kinds[resource!["kind"]!.ToString()] = new ResourceType(apiVersion, name, resource["namespaced"]?.GetValue<bool>() == true);
            }
        }
        else if (!response.NotFound)
        {
            response.EnsureOk($"discovery of {apiVersion}");
        }

        _discovery[apiVersion] = kinds;
        return kinds.GetValueOrDefault(kind);
    }

    public async Task<ResourceType> RequireAsync(ObjectId id, CancellationToken cancellationToken) =>
        await ResolveAsync(id.ApiVersion, id.Kind, cancellationToken)
            ?? throw new ClusterException($"{id.Display}: the cluster does not serve {id.Kind} in {id.ApiVersion}");

    public async Task<JsonObject?> GetAsync(ObjectId id, CancellationToken cancellationToken)
    {
        var type = await ResolveAsync(id.ApiVersion, id.Kind, cancellationToken);
        if (type is null)
        {
            return null;
        }

        var response = await api.GetAsync(type.Path(id.Namespace, id.Name), cancellationToken);
        return response.NotFound ? null : (JsonObject)response.EnsureOk($"get {id.Display}");
    }

    /// <summary>Server-side apply with field manager `meshctl`, forcing ownership of the fields it sets.</summary>
    public async Task<JsonObject> ApplyAsync(JsonObject item, CancellationToken cancellationToken)
    {
        var id = ObjectId.Of(item);
        var type = await RequireAsync(id, cancellationToken);
        var response = await api.SendAsync(HttpMethod.Patch, type.Path(id.Namespace, id.Name) + $"?fieldManager={FieldManager}&force=true",
            item, "application/apply-patch+yaml", cancellationToken);
        return (JsonObject)response.EnsureOk($"apply {id.Display}");
    }

    /// <summary>Deletes (background propagation); false when it was not there.</summary>
    public async Task<bool> DeleteAsync(ObjectId id, CancellationToken cancellationToken)
    {
        var type = await ResolveAsync(id.ApiVersion, id.Kind, cancellationToken);
        if (type is null)
        {
            return false;
        }

        var response = await api.SendAsync(HttpMethod.Delete, type.Path(id.Namespace, id.Name) + "?propagationPolicy=Background", cancellationToken: cancellationToken);
        if (response.NotFound)
        {
            return false;
        }

        response.EnsureOk($"delete {id.Display}");
        return true;
    }

    public async Task<JsonArray> ListAsync(string path, CancellationToken cancellationToken) =>
        (await api.GetAsync(path, cancellationToken)).EnsureOk($"list {path}")["items"] as JsonArray ?? [];
}

/// <summary>A served kind: its apiVersion, plural resource name and whether it lives in namespaces.</summary>
internal sealed record ResourceType(string ApiVersion, string Plural, bool Namespaced)
{
    public string Group => ApiVersion.LastIndexOf('/') is var slash and >= 0 ? ApiVersion[..slash] : "";

    public string Path(string ns, string name)
    {
        var root = ApiVersion.Contains('/') ? "/apis/" + ApiVersion : "/api/" + ApiVersion;
        var scope = Namespaced ? $"/namespaces/{Uri.EscapeDataString(ns.Length == 0 ? "default" : ns)}" : "";
        return $"{root}{scope}/{Plural}{(name.Length == 0 ? "" : "/" + Uri.EscapeDataString(name))}";
    }
}
