using System.Collections.Concurrent;
using YamlDotNet.RepresentationModel;

namespace Mesh.EndToEnd.Tests.Deploy;

/// <summary>One object of a rendered kustomization: what identifies it to the API server, and its YAML.</summary>
internal sealed record DeployObject(string Group, string Version, string Kind, string Namespace, string Name, YamlMappingNode Node)
{
    /// <summary>Group, kind, namespace and name: two objects with the same key would overwrite each other on apply.</summary>
    public string Key => $"{(Group.Length == 0 ? "core" : Group)}/{Kind} {(Namespace.Length == 0 ? "" : Namespace + "/")}{Name}";
}

/// <summary>
/// The kustomizations under deploy/ (every folder holding a kustomization.yaml, found, not listed) rendered once per
/// test run with `kubectl kustomize`, as users render them.
/// </summary>
internal static class DeployManifest
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Rendered = new(StringComparer.Ordinal);

    public static string Root { get; } = Mesh.Meshctl.Local.RepositoryLayout.Find().Root;

    public static string DeployFolder => Path.Combine(Root, "deploy");

    /// <summary>Every kustomization, as a path relative to deploy/ with forward slashes ("profiles/demo").</summary>
    public static IReadOnlyList<string> Kustomizations() =>
        Directory.EnumerateFiles(DeployFolder, "kustomization.yaml", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(DeployFolder, Path.GetDirectoryName(file)!).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>`kubectl kustomize deploy/<paramref name="kustomization"/>`: fails the test with kubectl's words when it does not render.</summary>
    public static Task<string> RenderAsync(string kustomization) =>
        Rendered.GetOrAdd(kustomization, folder => new Lazy<Task<string>>(async () =>
        {
            var (exit, output, error) = await DeployTools.RunAsync("kubectl", ["kustomize", Path.Combine(DeployFolder, folder)]);
            Assert.True(exit == 0, $"kubectl kustomize deploy/{folder} exited {exit}: {error}");
            return output;
        })).Value;

    public static IReadOnlyList<DeployObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var objects = new List<DeployObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode node) continue;
            var apiVersion = Scalar(node, "apiVersion");
            var slash = apiVersion.IndexOf('/');
            var metadata = node.Children.TryGetValue("metadata", out var value) ? value as YamlMappingNode : null;
            objects.Add(new DeployObject(
                slash < 0 ? "" : apiVersion[..slash],
                slash < 0 ? apiVersion : apiVersion[(slash + 1)..],
                Scalar(node, "kind"),
                metadata is null ? "" : Scalar(metadata, "namespace"),
                metadata is null ? "" : Scalar(metadata, "name"),
                node));
        }
        return objects;
    }

    /// <summary>The keys held by more than one object, each with how many.</summary>
    public static IReadOnlyList<string> Collisions(IEnumerable<DeployObject> objects) =>
        objects.GroupBy(o => o.Key).Where(g => g.Count() > 1).Select(g => $"{g.Key} ({g.Count()} times)").ToList();

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode { Value: { } text } ? text : "";
}
