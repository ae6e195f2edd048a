using System.Text.Json.Nodes;
using Mesh.Istio;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Turns an Istio custom object from the API server into the loader's input: the object as its author wrote it
/// (apiVersion, kind, name, namespace, labels, annotations, spec), without what the API server adds (uid,
/// resourceVersion, managedFields, status), so an update that changes only those reads as no change.
/// </summary>
internal static class IstioObjectReader
{
    // kubectl apply's copy of the whole object: not config, and as large as the object itself.
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public static ConfigLoadResult Load(CustomObject item, string origin, ConfigInputLimits limits)
    {
        JsonObject authored;
        try
        {
            authored = Authored(item);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return new ConfigLoadResult([], [new ConfigError(origin, 0, item.Kind, item.Metadata.NamespaceProperty, item.Metadata.Name, "", ex.Message)], []);
        }
        var result = IstioConfigLoader.LoadText(authored.ToJsonString(), origin, limits);
        return result;
    }

    private static JsonObject Authored(CustomObject item)
    {
        var source = JsonNode.Parse(item.Json)?.AsObject() ?? throw new System.Text.Json.JsonException("The object is not a JSON object.");
        var metadata = new JsonObject
        {
            ["name"] = item.Metadata.Name,
            ["namespace"] = item.Metadata.NamespaceProperty,
        };
        if (source["metadata"] is JsonObject written)
        {
            if (written["labels"] is JsonObject labels) metadata["labels"] = labels.DeepClone();
            if (written["annotations"] is JsonObject annotations)
            {
                var kept = annotations.DeepClone().AsObject();
                kept.Remove(LastApplied);
                if (kept.Count > 0) metadata["annotations"] = kept;
            }
        }
        var authored = new JsonObject
        {
            ["apiVersion"] = item.ApiVersion,
            ["kind"] = item.Kind,
            ["metadata"] = metadata,
        };
        if (source["spec"] is { } spec) authored["spec"] = spec.DeepClone();
        return authored;
    }
}
