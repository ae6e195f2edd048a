using Mesh.LoadTests.Scenarios;

namespace Mesh.EndToEnd.Tests.LoadScripts;

/// <summary>
/// The harness's k6 scenarios (loadtests/run.sh ... scenarios) in a short mode, for correctness only: each scenario
/// sees its expected effect on the real local mesh (faults injected, retries counted, the bad endpoint ejected).
/// Latency thresholds are benchmarks' business: nothing here asserts a time.
/// </summary>
public sealed class LocalScenariosTests
{
    [Fact]
    public async Task RunAll_ShortMode_EachScenarioShowsItsEffect()
    {
        // 100 req/s for 1 s: 100 requests a scenario, enough that a 10% fault share shows (0.9^100 of seeing none).
        var settings = new ScenarioSettings(Rate: 100, Duration: TimeSpan.FromSeconds(1), MaxInFlight: 16) { WarmUp = TimeSpan.FromSeconds(1) };
        var lines = new List<string>();

        var reports = (await LocalScenarios.RunAllAsync(settings, lines.Add)).ToDictionary(r => r.Name);

        var all = string.Join('\n', lines.Concat(reports.Values.Select(r => r.Line)));
        Assert.Equal(ScenarioThresholds.ByScenario.Keys.Order(), reports.Keys.Order());
        Assert.All(reports.Values, r => Assert.True(r.Result.Sent > 0, $"{r.Name} sent nothing\n{all}"));
        foreach (var clean in new[] { ScenarioThresholds.Gateway, ScenarioThresholds.Sidecar, ScenarioThresholds.GrpcScenario })
        {
            Assert.True(reports[clean].Result.Failed == 0, $"{clean}: {reports[clean].Result.Failed} failed\n{all}");
        }

        var faults = reports[ScenarioThresholds.Faults].Result;
        Assert.True(faults.Marked > 0 && faults.Failed >= faults.Marked, $"faults: no abort seen, or an abort not counted as failed\n{all}");
        Assert.True(faults.ShareAtLeast(200) > 0, $"faults: no request delayed by 200 ms\n{all}");

        // 20% of attempts fail; retried up to 3 times, a request fails only when all four do (0.16%).
        var retries = reports[ScenarioThresholds.Retries].Result;
        Assert.True(retries.Marked > 0, $"retries: no answer needed a second attempt\n{all}");
        Assert.True(retries.ErrorRate < 0.05, $"retries: {retries.ErrorRate:P1} failed, the retries did not hide the failures\n{all}");

        var outlier = reports[ScenarioThresholds.Outlier];
        Assert.True(outlier.UntilEjected!.Failed > 0, $"outlier: the bad endpoint was never hit\n{all}");
        Assert.True(outlier.Result.Failed == 0, $"outlier: {outlier.Result.Failed} failed after the bad endpoint was ejected\n{all}");
    }
}
