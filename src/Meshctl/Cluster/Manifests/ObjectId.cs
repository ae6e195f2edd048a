using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>Who an object is: apiVersion, kind, namespace and name (an empty namespace and `default` are the same, as in kustomize).</summary>
internal readonly record struct ObjectId(string ApiVersion, string Kind, string Namespace, string Name)
{
    public static ObjectId Of(JsonObject item) => new(
        item["apiVersion"]?.ToString() ?? "",
        item["kind"]?.ToString() ?? "",
        item["metadata"]?["namespace"]?.ToString() ?? "",
        item["metadata"]?["name"]?.ToString() ?? "");

    /// <summary>The API group: "" for the core group (apiVersion `v1`).</summary>
    public string Group => ApiVersion.LastIndexOf('/') is var slash and >= 0 ? ApiVersion[..slash] : "";

    public string Version => ApiVersion[(ApiVersion.LastIndexOf('/') + 1)..];

    public bool Matches(ObjectId other) =>
        ApiVersion == other.ApiVersion && Kind == other.Kind && Name == other.Name && SameNamespace(Namespace, other.Namespace);

    /// <summary>kubectl's way of naming an object: `deployment.apps/istiod`, `namespace/istio-system`.</summary>
    public string Display => $"{Kind.ToLowerInvariant()}{(Group.Length == 0 ? "" : "." + Group)}/{Name}";

    public override string ToString() => $"{ApiVersion} {Kind} {(Namespace.Length == 0 ? "" : Namespace + "/")}{Name}";

    private static bool SameNamespace(string a, string b) => (a.Length == 0 ? "default" : a) == (b.Length == 0 ? "default" : b);
}
