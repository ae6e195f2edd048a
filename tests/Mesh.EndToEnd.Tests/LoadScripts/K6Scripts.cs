using System.Text.Json;
using Mesh.EndToEnd.Tests.Deploy;

namespace Mesh.EndToEnd.Tests.LoadScripts;

/// <summary>
/// The k6 scripts of loadtests/k6, and what Node makes of them: <c>node --check</c>, and node/inspect.mjs, which loads
/// each with stand-ins for k6's modules and runs its scenarios once (one JSON object per script).
/// </summary>
internal static class K6Scripts
{
    public static string Folder => Path.Combine(DeployManifest.Root, "loadtests", "k6");

    public static string InspectorFolder => Path.Combine(DeployManifest.Root, "tests", "Mesh.EndToEnd.Tests", "LoadScripts", "node");

    /// <summary>The scripts users run (loadtests/k6/*.js), by file name without .js: gateway, sidecar, grpc, ...</summary>
    public static IReadOnlyList<string> Scripts() =>
        [.. Directory.GetFiles(Folder, "*.js").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Cast<string>()];

    public static void RequireNode() => DeployTools.RequireProgram("node", "the k6 scripts are checked with Node (k6 cannot be installed here)");

    /// <summary>What inspect.mjs printed for each script path given, by path; and its exit code.</summary>
    public static async Task<(int Exit, Dictionary<string, JsonElement> Scripts)> InspectAsync(IEnumerable<string> paths)
    {
        var (exit, output, error) = await DeployTools.RunAsync("node", [Path.Combine(InspectorFolder, "inspect.mjs"), .. paths]);
        var scripts = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var json = JsonDocument.Parse(line).RootElement.Clone();
            scripts[json.GetProperty("script").GetString()!] = json;
        }

        Assert.True(scripts.Count > 0, $"inspect.mjs printed nothing (exit {exit}): {error}");
        return (exit, scripts);
    }
}
