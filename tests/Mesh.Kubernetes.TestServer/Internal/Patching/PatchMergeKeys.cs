namespace Mesh.Kubernetes.TestServer.Internal.Patching;

/// <summary>
/// The patchStrategy/patchMergeKey tags of the built-in types this server serves, by field name (and, for the two
/// meanings of "ports", by where the list sits). Lists not named here are atomic: a patch replaces them whole,
/// as the Go types without a merge strategy (args, command, tolerations, envFrom, EndpointSlice endpoints) are.
/// </summary>
internal static class PatchMergeKeys
{
    /// <summary>The merge key of a list of objects, or null when the list is replaced whole.</summary>
    public static string? ForObjectList(string kind, string field, IReadOnlyList<string> path) => field switch
    {
        "containers" or "initContainers" or "ephemeralContainers" or "volumes" or "env" or "imagePullSecrets"
            or "resourceClaims" or "webhooks" => "name",
        // ServiceSpec.ports merge on port; ContainerPort lists on containerPort; EndpointSlice ports are atomic.
        "ports" when kind == "Service" && path is ["spec"] => "port",
        "ports" when path.Count > 0 && path[^1] is "containers" or "initContainers" or "ephemeralContainers" => "containerPort",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "topologySpreadConstraints" => "topologyKey",
        "readinessGates" => "conditionType",
        _ => null,
    };

    /// <summary>Lists of strings merged as sets (patchStrategy "merge" on a primitive list): metadata.finalizers.</summary>
    public static bool IsMergedPrimitiveList(string field, IReadOnlyList<string> path) => field == "finalizers" && path is ["metadata"];
}
