using System.Text.RegularExpressions;
using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>The data path does not depend on the control plane being up; proxies resync when it returns.</summary>
public sealed class ControlPlaneOutageTests
{
    [Fact]
    public async Task ControlPlane_KilledThenRestarted_TrafficFlowsAndEveryProxyResyncs()
    {
        await using var run = await MeshRun.StartAsync();

        await run.Mesh.KillControlPlaneAsync();
        var during = await run.GetManyAsync(200);
        await run.Mesh.StartControlPlaneAsync();

        Assert.All(during, a => Assert.True(a.Status == 200, $"status {a.Status} while the control plane was down: {a.Body}"));
        await MeshRun.WaitUntilAsync(async () => SyncedProxies(await run.GetControlPlaneJsonAsync("/debug/syncz")) == 4,
            TimeSpan.FromSeconds(30), "all four proxies to reconnect and be SYNCED");

        // The reconnected proxies take new config again.
        run.WriteConfig("backend-routing.yaml", run.ReadConfig("backend-routing.yaml").Replace("weight: 80", "weight: 0").Replace("weight: 20", "weight: 100"));
        await MeshRun.WaitUntilAsync(async () => (await run.GetAsync()).Backend == "backend-v2" && (await run.GetManyAsync(20)).All(a => a.Backend == "backend-v2"),
            TimeSpan.FromSeconds(10), "the new split to apply after the restart");

        // Stopped on SIGTERM, it says so at once and finishes within the grace (past it, it would be killed and say nothing).
        await run.Mesh.StopControlPlaneAsync(TimeSpan.FromSeconds(15));
        var output = run.Mesh.RecentOutput("control-plane");
        // How many streams it ends depends on the moment: a proxy may be between two streams of its own.
        Assert.True(Regex.IsMatch(output, @"Control plane stopping: ending \d+ discovery streams"), $"no stopping line in:\n{output}");
        Assert.True(output.Contains("Control plane stopped in", StringComparison.Ordinal), $"no stopped line in:\n{output}");
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
