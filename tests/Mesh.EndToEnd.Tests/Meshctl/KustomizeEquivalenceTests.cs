using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>
/// meshctl renders `deploy/` itself (embedded); `kubectl kustomize` is the reference. For every profile and overlay
/// the two must give the same objects (compared as sets of parsed objects: kustomize sorts, meshctl orders for apply).
/// </summary>
public sealed class KustomizeEquivalenceTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("meshctl-kubectl-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    public static TheoryData<string> Folders() => new() { "profiles/minimal", "profiles/default", "profiles/demo", "kind", "samples/bookinfo", "samples/ingress" };

    [SkippableTheory]
    [MemberData(nameof(Folders))]
    public async Task Render_EveryProfileAndOverlay_EqualsKubectlKustomize(string folder)
    {
        Kubectl.SkipUnlessInstalled();
        var kubectl = new Kubectl(Path.Combine(_home, "kubeconfig"), _home);
        var reference = await kubectl.SucceedAsync("kustomize", Path.Combine(RepositoryLayout.Find().Root, "deploy", folder));

        var rendered = new KustomizationRenderer(ManifestFiles.Embedded).Render(folder);

        var expected = Canonical(YamlJson.ParseDocuments(reference, "kubectl kustomize"));
        var actual = Canonical(rendered);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Empty(expected.Except(actual));
        Assert.Empty(actual.Except(expected));
    }

    [Fact]
    public void Embedded_EveryDeployFile_IsBuiltIntoMeshctl()
    {
        var deploy = Path.Combine(RepositoryLayout.Find().Root, "deploy");
        var missing = new List<string>();
        foreach (var file in Directory.EnumerateFiles(deploy, "*", SearchOption.AllDirectories))
        {
            var path = Path.GetRelativePath(deploy, file).Replace('\\', '/');
            if (!path.StartsWith("local/", StringComparison.Ordinal) && (path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".json", StringComparison.Ordinal))
                && ManifestFiles.Embedded.Read(path) != File.ReadAllText(file))
            {
                missing.Add(path);
            }
        }

        Assert.Empty(missing);
    }

    /// <summary>Each object as JSON with its keys sorted, so equal objects give equal strings.</summary>
    private static List<string> Canonical(IEnumerable<JsonNode> objects) => objects.Select(o => Sorted(o)!.ToJsonString()).Order(StringComparer.Ordinal).ToList();

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject map => new JsonObject(map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray list => new JsonArray(list.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
