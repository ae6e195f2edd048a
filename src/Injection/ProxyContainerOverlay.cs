using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// A pod's own <c>istio-proxy</c> container over the injected one, as Istio applies it (its "customizing injection";
/// the way Istio's gateway Deployments give the gateway its ports, resources and security context): the pod's fields
/// win, objects merge field by field, the lists Kubernetes merges by key (ports, env, volume mounts, volume devices)
/// have an item of the pod's replace the template's item with the same key, and other lists are the pod's.
/// <c>image: auto</c> keeps the injector's image. The command and arguments stay the template's, with a warning: they
/// are this mesh's proxy's command line, which Istio's (pilot-agent's) would not be.
/// </summary>
internal static class ProxyContainerOverlay
{
    private const string AutoImage = "auto";

    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["ports"] = "containerPort",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
    };

    public static V1Container Apply(V1Container template, V1Container pods, ICollection<string> warnings)
    {
        var merged = JsonNode.Parse(KubernetesJson.Serialize(template))!.AsObject();
        var overlay = JsonNode.Parse(KubernetesJson.Serialize(pods))!.AsObject();
        foreach (var (key, value) in overlay)
        {
            switch (key)
            {
                case "name":
                    continue;
                case "image" when value?.GetValue<string>() == AutoImage:
                    continue;
                case "command" or "args":
                    warnings.Add($"the pod's {SidecarTemplate.ProxyName} container sets {key}, which is not applied: the injected proxy keeps this mesh's command line (docs/kubernetes.md)");
                    continue;
                default:
                    merged[key] = Merge(merged[key], value, key);
                    break;
            }
        }

        return KubernetesJson.Deserialize<V1Container>(merged.ToJsonString());
    }

    private static JsonNode? Merge(JsonNode? template, JsonNode? pods, string key)
    {
        if (template is JsonObject templateObject && pods is JsonObject podsObject)
        {
            var result = templateObject.DeepClone().AsObject();
            foreach (var (field, value) in podsObject)
            {
                result[field] = Merge(result[field], value, field);
            }

            return result;
        }

        if (template is JsonArray templateItems && pods is JsonArray podsItems && MergeKeys.TryGetValue(key, out var mergeKey))
        {
            var result = templateItems.DeepClone().AsArray();
            foreach (var item in podsItems)
            {
                var id = item?[mergeKey]?.ToJsonString();
                var existing = result.FirstOrDefault(candidate => candidate?[mergeKey]?.ToJsonString() == id);
                if (existing is not null)
                {
                    result[result.IndexOf(existing)] = item!.DeepClone();
                }
                else
                {
                    result.Add(item?.DeepClone());
                }
            }

            return result;
        }

        return pods?.DeepClone();
    }
}
