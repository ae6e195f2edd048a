using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>Istio resources from YAML, and an edit of one, as a source gives them: what the memo tests carry snapshots across.</summary>
internal static class IstioYaml
{
    public static List<IstioResource> Load(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return [.. result.Resources];
    }

    /// <summary>The resources with one resource's file edited: a new instance for it, the others as they were.</summary>
    public static List<IstioResource> Replace(List<IstioResource> resources, string yaml)
    {
        var edited = Assert.Single(Load(yaml));
        var replaced = resources.Select(r => r.GetType() == edited.GetType() && r.Metadata.Name == edited.Metadata.Name
            && r.Metadata.Namespace == edited.Metadata.Namespace ? edited : r).ToList();
        Assert.Contains(edited, replaced);
        return replaced;
    }
}
