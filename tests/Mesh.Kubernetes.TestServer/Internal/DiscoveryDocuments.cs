using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// The legacy discovery documents (/version, /api, /api/v1, /apis, /apis/G, /apis/G/V). Aggregated discovery
/// (APIGroupDiscoveryList) is not served: clients that ask for it in Accept get plain JSON and, as kubectl and
/// client-go do, fall back to these documents.
/// </summary>
internal static class DiscoveryDocuments
{
    public static JsonObject Version(string gitVersion)
    {
        var parts = gitVersion.TrimStart('v').Split('.', '-', '+');
        return new JsonObject
        {
            ["major"] = parts.Length > 0 ? parts[0] : "1",
            ["minor"] = parts.Length > 1 ? parts[1] : "0",
            ["gitVersion"] = gitVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2024-01-01T00:00:00Z",
            ["goVersion"] = "go1.22.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    public static JsonObject GroupList(ResourceCatalog catalog)
    {
        var groups = new JsonArray();
        foreach (var (group, versions) in catalog.Groups())
        {
            if (group.Length > 0)
            {
                groups.Add(Group(group, versions));
            }
        }
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? GroupDocument(ResourceCatalog catalog, string name)
    {
        foreach (var (group, versions) in catalog.Groups())
        {
            if (group == name)
            {
                var document = Group(group, versions);
                document["kind"] = "APIGroup";
                document["apiVersion"] = "v1";
                return document;
            }
        }
        return null;
    }

    /// <summary>The APIResourceList of one group version, or null when nothing is served there.</summary>
    public static JsonObject? ResourceList(ResourceCatalog catalog, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in catalog.Types)
        {
            if (type.Group != group || Array.IndexOf(type.Versions, version) < 0)
            {
                continue;
            }
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = Strings(type.Verbs),
            };
            if (type.ShortNames.Length > 0)
            {
                resource["shortNames"] = Strings(type.ShortNames);
            }
            if (type.Categories.Length > 0)
            {
                resource["categories"] = Strings(type.Categories);
            }
            resources.Add(resource);
            if (type.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = Strings(ResourceType.StatusVerbs),
                });
            }
        }
        if (resources.Count == 0)
        {
            return null;
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    private static JsonObject Group(string group, List<string> versions)
    {
        var list = new JsonArray();
        foreach (var version in versions)
        {
            list.Add(new JsonObject { ["groupVersion"] = group + "/" + version, ["version"] = version });
        }
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = list,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = group + "/" + versions[0], ["version"] = versions[0] },
        };
    }

    private static JsonArray Strings(string[] values)
    {
        var array = new JsonArray();
        foreach (var value in values)
        {
            array.Add(value);
        }
        return array;
    }
}
