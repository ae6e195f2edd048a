using Mesh.EndToEnd.Tests.Deploy;
using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.LoadScripts;

/// <summary>
/// The Istio config the k6 failure scenarios ask users to apply (loadtests/k6/config: on the bookinfo sample; local/:
/// on the local demo) loads as the control plane would load it and analyzes with neither error nor warning, over what
/// the cluster or the demo already holds (a file replaces the objects of the same kind and name, as kubectl apply does).
/// </summary>
public sealed class K6ConfigTests
{
    private static string ConfigFolder => Path.Combine(K6Scripts.Folder, "config");

    public static TheoryData<string> BookinfoFiles() => [.. Names(ConfigFolder)];

    public static TheoryData<string> LocalFiles() => [.. Names(Path.Combine(ConfigFolder, "local"))];

    [Theory]
    [MemberData(nameof(BookinfoFiles))]
    public void Bookinfo_ConfigFile_LoadsAndAnalyzesClean(string file)
    {
        var sample = Path.Combine(DeployManifest.DeployFolder, "samples", "bookinfo");
        var services = DeployManifest.Parse(File.ReadAllText(Path.Combine(sample, "bookinfo.yaml")))
            .Where(o => o.Group.Length == 0 && o.Kind == "Service")
            .Select(o => $"{o.Name}.{o.Namespace}.svc.cluster.local")
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("details.bookinfo.svc.cluster.local", services);

        AssertClean(Load(Path.Combine(ConfigFolder, file)), Load(Path.Combine(sample, "networking.yaml")), services);
    }

    [Theory]
    [MemberData(nameof(LocalFiles))]
    public void Local_ConfigFile_LoadsAndAnalyzesClean(string file)
    {
        // The demo's services are ServiceEntries (workloads.yaml); its files' port placeholders take any port.
        var ports = new[] { "gatewayPort", "frontendInboundPort", "backendV1InboundPort", "backendV2InboundPort" }.ToDictionary(p => p, _ => 15000);
        var demo = new[] { "workloads.yaml", "gateway.yaml" }
            .SelectMany(f => Load(Path.Combine(DeployManifest.DeployFolder, "local", f), text => DemoConfig.Fill(text, ports)))
            .ToList();

        AssertClean(Load(Path.Combine(ConfigFolder, "local", file)), demo, new HashSet<string>());
    }

    [Fact]
    public void ConfigFolders_HoldEachFailureScenario()
    {
        Assert.Equal(["faults.yaml", "outlier.yaml", "retries.yaml"], Names(ConfigFolder));
        Assert.Equal(["faults.yaml", "outlier.yaml", "retries.yaml"], Names(Path.Combine(ConfigFolder, "local")));
    }

    private static List<string> Names(string folder) =>
        [.. Directory.GetFiles(folder, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>()];

    private static List<IstioResource> Load(string path, Func<string, string>? fill = null)
    {
        var text = File.ReadAllText(path);
        var result = IstioConfigLoader.LoadText(fill is null ? text : fill(text), Path.GetRelativePath(DeployManifest.Root, path));
        Assert.True(result.Errors.Count == 0, string.Join('\n', result.Errors));
        var istioObjects = DeployManifest.Parse(text).Count(o => o.Group.EndsWith(".istio.io", StringComparison.Ordinal));
        Assert.True(istioObjects > 0 && result.Resources.Count == istioObjects, $"{path}: {istioObjects} Istio objects, {result.Resources.Count} loaded");
        return [.. result.Resources];
    }

    private static void AssertClean(List<IstioResource> applied, List<IstioResource> existing, IReadOnlySet<string> platformHosts)
    {
        var replaced = applied.Select(r => r.Key).ToHashSet();
        var resources = existing.Where(r => !replaced.Contains(r.Key)).Concat(applied).ToList();
        var messages = MeshAnalyzer.Analyze(resources, platformHosts)
            .Where(m => m.Type.Level is AnalysisLevel.Error or AnalysisLevel.Warning)
            .Select(m => m.ToString())
            .ToList();
        Assert.True(messages.Count == 0, string.Join('\n', messages));
    }
}
