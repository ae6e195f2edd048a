using System.Text;
using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Config files that used to abort the control plane (a stack overflow in the YAML parser): on the real processes,
/// each is rejected with its file, position and reason while the control plane keeps serving and routing goes on.
/// </summary>
public sealed class HostileConfigTests
{
    /// <summary>100,000 levels each: the shapes that overflowed the stack, YAML and JSON.</summary>
    internal static readonly IReadOnlyDictionary<string, string> NestedFiles = new Dictionary<string, string>
    {
        ["nested-sequence.yaml"] = new string('[', 100_000),
        ["nested-mapping.yaml"] = new StringBuilder().Insert(0, "{a: ", 100_000).ToString(),
        ["nested-array.json"] = new string('[', 100_000) + new string(']', 100_000),
    };

    [Fact]
    public async Task ConfigFolder_DeeplyNestedFilesDropped_RejectedWhileTheControlPlaneServesAndRoutes()
    {
        await using var run = await MeshRun.StartAsync();

        foreach (var (file, content) in NestedFiles)
        {
            run.WriteConfig(file, content);
            await MeshRun.WaitUntilAsync(() => Task.FromResult(Rejected(run, file)), TimeSpan.FromSeconds(15), $"the control plane to reject {file}");
        }

        await AssertServingAndRoutingAsync(run);
    }

    [Fact]
    public async Task ControlPlane_StartedWithDeeplyNestedFiles_RejectsThemAndServesTheRest()
    {
        // The mesh starts only once the control plane is ready and a request through the gateway is answered.
        await using var run = await MeshRun.StartAsync(configOverrides: NestedFiles);

        Assert.All(NestedFiles.Keys, file => Assert.True(Rejected(run, file), $"no rejection of {file} in:\n{run.Mesh.RecentOutput("control-plane")}"));
        await AssertServingAndRoutingAsync(run);
    }

    /// <summary>Whether the control plane logged the file's rejection: one line with its name, position and reason.</summary>
    private static bool Rejected(MeshRun run, string file) =>
        run.Mesh.RecentOutput("control-plane").Split('\n').Any(line =>
            line.Contains($"Config rejected: {file}:1:", StringComparison.Ordinal) && line.Contains("nested more than 100 levels deep", StringComparison.Ordinal));

    private static async Task AssertServingAndRoutingAsync(MeshRun run)
    {
        using var ready = await run.Client.GetAsync(new Uri(run.Mesh.ControlPlaneUrl, "/ready"));
        Assert.Equal(200, (int)ready.StatusCode);
        await MeshRun.WaitUntilAsync(async () => SyncedProxies(await run.GetControlPlaneJsonAsync("/debug/syncz")) == 4,
            TimeSpan.FromSeconds(15), "all four proxies to be SYNCED");
        var answers = await run.GetManyAsync(100);
        Assert.All(answers, a => Assert.True(a.Status == 200, $"a request failed: {a.Status} {a.Body}"));
    }

    private static int SyncedProxies(JsonDocument syncz)
    {
        using (syncz)
        {
            var proxies = syncz.RootElement.ValueKind == JsonValueKind.Array ? syncz.RootElement : syncz.RootElement.GetProperty("proxies");
            return proxies.EnumerateArray().Count(p => p.GetProperty("status").GetString() == "SYNCED");
        }
    }
}
