using System.Diagnostics;

namespace Mesh.EndToEnd.Tests;

/// <summary>Editing the config folder while traffic flows: good edits apply live, bad ones are refused.</summary>
public sealed class ConfigChangeTests
{
    private const string RoutingFile = "backend-routing.yaml";

    [Fact]
    public async Task ConfigEdit_FlipSplit_AppliesWithinTwoSecondsWithZeroFailures()
    {
        await using var run = await MeshRun.StartAsync();
        await using var load = TrafficLoop.Start(run);
        await load.WaitForAnswersAsync(50);

        var editedAt = Stopwatch.GetTimestamp();
        run.WriteConfig(RoutingFile, run.ReadConfig(RoutingFile).Replace("weight: 80", "weight: 0").Replace("weight: 20", "weight: 100"));
        await MeshRun.WaitUntilAsync(() => Task.FromResult(load.TrailingStreak("backend-v2") >= 50), TimeSpan.FromSeconds(15), "50 answers in a row from backend-v2");
        var answers = await load.StopAsync();

        var flippedAfter = Stopwatch.GetElapsedTime(editedAt, load.TrailingStreakStartedAt("backend-v2"));
        Assert.True(flippedAfter <= TimeSpan.FromSeconds(2), $"the split flipped {flippedAfter.TotalMilliseconds:0} ms after the edit");
        Assert.All(answers, a => Assert.True(a.Status == 200, $"a request failed during the change: {a.Status} {a.Body}"));
    }

    [Fact]
    public async Task ConfigEdit_InvalidYaml_IsRejectedWithReasonAndRoutingStays()
    {
        await using var run = await MeshRun.StartAsync();

        run.WriteConfig(RoutingFile, run.ReadConfig(RoutingFile).Replace("weight: 80", "weight: 180"));
        await MeshRun.WaitUntilAsync(
            () => Task.FromResult(run.Mesh.RecentOutput("control-plane").Contains(RoutingFile, StringComparison.Ordinal)
                && run.Mesh.RecentOutput("control-plane").Contains("weight", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the control plane to report the rejected file");

        var log = run.Mesh.RecentOutput("control-plane");
        Assert.Contains("spec.http[1].route[0].weight", log);
        using var configz = await run.GetControlPlaneJsonAsync("/debug/configz");
        Assert.Contains(RoutingFile, configz.RootElement.GetRawText());
        var answers = await run.GetManyAsync(300);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Contains(answers, a => a.Backend == "backend-v1");
        Assert.Contains(answers, a => a.Backend == "backend-v2");
    }
}
