using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Which resources are served, at which versions: the built-ins plus one entry per established CRD.
/// An immutable list swapped whole, so discovery and routing read it without a lock.
/// </summary>
internal sealed class ResourceCatalog
{
    private volatile IReadOnlyList<ResourceType> _types;

    public ResourceCatalog() => _types = [.. BuiltInResources.All()];

    public IReadOnlyList<ResourceType> Types => _types;

    public ResourceType? Find(string group, string version, string plural)
    {
        foreach (var type in _types)
        {
            if (type.Group == group && type.Plural == plural && Array.IndexOf(type.Versions, version) >= 0)
            {
                return type;
            }
        }
        return null;
    }

    public ResourceType? FindByKey(string key)
    {
        foreach (var type in _types)
        {
            if (type.Key == key)
            {
                return type;
            }
        }
        return null;
    }

    /// <summary>Every served group with its versions, the preferred (highest priority) version first.</summary>
    public List<(string Group, List<string> Versions)> Groups()
    {
        var groups = new List<(string Group, List<string> Versions)>();
        foreach (var type in _types)
        {
            var index = groups.FindIndex(g => g.Group == type.Group);
            if (index < 0)
            {
                groups.Add((type.Group, [.. type.Versions]));
                continue;
            }
            foreach (var version in type.Versions)
            {
                if (!groups[index].Versions.Contains(version))
                {
                    groups[index].Versions.Add(version);
                }
            }
        }
        foreach (var group in groups)
        {
            group.Versions.Sort(KubeVersionOrder.Compare);
        }
        return groups;
    }

    /// <summary>Serves a CRD's resource (replacing what an earlier version of the CRD served). Called under the store's lock.</summary>
    public ResourceType ServeCustomResource(JsonObject crd)
    {
        var type = FromCrd(crd);
        var list = new List<ResourceType>(_types.Count + 1);
        foreach (var existing in _types)
        {
            if (existing.Key != type.Key)
            {
                list.Add(existing);
            }
        }
        list.Add(type);
        _types = list;
        return type;
    }

    public void StopServing(string key)
    {
        var list = new List<ResourceType>(_types.Count);
        foreach (var existing in _types)
        {
            if (existing.Key != key)
            {
                list.Add(existing);
            }
        }
        _types = list;
    }

    /// <summary>The resource key a CRD object defines (plural.group), or null when its spec is incomplete.</summary>
    public static string? CrdKey(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject;
        var group = spec?["group"]?.GetValue<string>();
        var plural = spec?["names"]?["plural"]?.GetValue<string>();
        return group is null || plural is null ? null : plural + "." + group;
    }

    private static ResourceType FromCrd(JsonObject crd)
    {
        var spec = (JsonObject)crd["spec"]!;
        var names = (JsonObject)spec["names"]!;
        var group = spec["group"]!.GetValue<string>();
        var plural = names["plural"]!.GetValue<string>();
        var kind = names["kind"]!.GetValue<string>();
        var singular = names["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant();
        var namespaced = (spec["scope"]?.GetValue<string>() ?? "Namespaced") == "Namespaced";
        var versions = new List<string>();
        var hasStatus = false;
        if (spec["versions"] is JsonArray versionList)
        {
            foreach (var version in versionList)
            {
                if (version is not JsonObject v || v["served"]?.GetValue<bool>() == false)
                {
                    continue;
                }
                versions.Add(v["name"]!.GetValue<string>());
                hasStatus |= v["subresources"]?["status"] is not null;
            }
        }
        versions.Sort(KubeVersionOrder.Compare);
        return new ResourceType(group, [.. versions], plural, singular, kind, namespaced, Strings(names["shortNames"]),
            hasStatus, ResourceType.AllVerbs, Strings(names["categories"])) { ReturnsDeletedObject = true, TracksGeneration = true, IsCustom = true };
    }

    private static string[] Strings(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return [];
        }
        var result = new string[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            result[i] = array[i]!.GetValue<string>();
        }
        return result;
    }
}
