using System.Globalization;
using System.Text.Json;
using Mesh.EndToEnd.Tests.Deploy;
using Mesh.LoadTests.Scenarios;

namespace Mesh.EndToEnd.Tests.LoadScripts;

/// <summary>
/// Proof of loadtests/k6 without k6: every script parses (<c>node --check</c>), loads under Node with stand-ins for
/// k6's modules, declares constant-arrival-rate scenarios with p95/p99 and error-rate thresholds that k6 would accept,
/// and runs each scenario once with its checks holding; and its thresholds are the local harness's.
/// </summary>
public sealed class K6ScriptTests
{
    [SkippableFact]
    public async Task NodeCheck_EveryScriptAndModule_ParsesAsJavaScript()
    {
        K6Scripts.RequireNode();
        var files = Directory.GetFiles(K6Scripts.Folder, "*.js", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith(Path.Combine("lib", "config.js"), StringComparison.Ordinal));
        foreach (var file in files)
        {
            var (exit, _, error) = await DeployTools.RunAsync("node", ["--check", file]);
            Assert.True(exit == 0, $"node --check {Path.GetRelativePath(DeployManifest.Root, file)}: {error}");
        }
    }

    [SkippableFact]
    public async Task Inspect_EveryScript_HasConstantRateScenariosAndLatencyAndErrorThresholds()
    {
        K6Scripts.RequireNode();
        // The scripts the design names: a search that found fewer would check less.
        Assert.Equal(["faults", "gateway", "grpc", "outlier", "retries", "sidecar"], K6Scripts.Scripts());

        var (exit, scripts) = await K6Scripts.InspectAsync(K6Scripts.Scripts().Select(ScriptPath));

        var problems = scripts.SelectMany(s => K6ScriptRules.Problems(s.Value).Select(p => $"{Path.GetFileName(s.Key)}: {p}")).ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(0, exit);
        Assert.Equal(K6Scripts.Scripts().Count, scripts.Count);
    }

    [SkippableFact]
    public async Task Inspect_BrokenScript_IsReported()
    {
        K6Scripts.RequireNode();
        var folder = Directory.CreateTempSubdirectory("mesh-k6-broken-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "package.json"), """{ "type": "module" }""");
            File.WriteAllText(Path.Combine(folder, "broken.js"), """
                import http from 'k6/http';
                export const options = {
                  scenarios: { steady: { executor: 'constant-vus', vus: 1, duration: '1m' } },
                  thresholds: { http_req_duraton: ['p(95)<50'], http_req_failed: ['rate lower than 0.01'] },
                };
                export default function () { http.get('http://localhost/'); }
                """);
            File.WriteAllText(Path.Combine(folder, "unknown-module.js"), "import ws from 'k6/ws';\nexport default function () {}\n");

            var (exit, scripts) = await K6Scripts.InspectAsync([Path.Combine(folder, "broken.js"), Path.Combine(folder, "unknown-module.js")]);

            var broken = K6ScriptRules.Problems(scripts.Single(s => s.Key.EndsWith("broken.js", StringComparison.Ordinal)).Value);
            Assert.Contains(broken, p => p.Contains("not constant-arrival-rate", StringComparison.Ordinal));
            Assert.Contains(broken, p => p.Contains("'http_req_duraton', a metric neither k6 nor the script has", StringComparison.Ordinal));
            Assert.Contains(broken, p => p.Contains("'rate lower than 0.01' is not a k6 threshold expression", StringComparison.Ordinal));
            Assert.Contains(broken, p => p.StartsWith("no thresholds p(95)< and p(99)<", StringComparison.Ordinal));
            Assert.Contains(broken, p => p.StartsWith("makes no check()", StringComparison.Ordinal));
            var unknown = K6ScriptRules.Problems(scripts.Single(s => s.Key.EndsWith("unknown-module.js", StringComparison.Ordinal)).Value);
            Assert.Contains(unknown, p => p.Contains("no stand-in for the k6 module 'k6/ws'", StringComparison.Ordinal));
            Assert.Equal(1, exit);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Thresholds_EveryScript_AreTheLocalHarnesss()
    {
        K6Scripts.RequireNode();
        Assert.Equal(ScenarioThresholds.ByScenario.Keys.Order(StringComparer.Ordinal), K6Scripts.Scripts());
        var (_, scripts) = await K6Scripts.InspectAsync(K6Scripts.Scripts().Select(ScriptPath));

        foreach (var (name, expected) in ScenarioThresholds.ByScenario)
        {
            var thresholds = scripts[ScriptPath(name)].GetProperty("options").GetProperty("thresholds");
            var latency = K6ScriptRules.Expressions(thresholds, ["http_req_duration", "grpc_req_duration"], "p(95)<");
            Assert.Equal([Invariant($"p(95)<{expected.P95Ms}"), Invariant($"p(99)<{expected.P99Ms}")], latency);
            Assert.Equal([Invariant($"rate<{expected.ErrorRate}")], K6ScriptRules.Expressions(thresholds, ["http_req_failed", "grpc_req_failed"], "rate<"));
            if (expected.AbortShare is { } abort)
            {
                Assert.Equal([Invariant($"rate>{abort.Min}"), Invariant($"rate<{abort.Max}")], Strings(thresholds.GetProperty("fault_aborted")));
            }

            if (expected.DelayShare is { } delay)
            {
                Assert.Equal([Invariant($"rate>{delay.Min}"), Invariant($"rate<{delay.Max}")], Strings(thresholds.GetProperty("fault_delayed")));
            }
        }
    }

    private static string ScriptPath(string name) => Path.Combine(K6Scripts.Folder, name + ".js");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
