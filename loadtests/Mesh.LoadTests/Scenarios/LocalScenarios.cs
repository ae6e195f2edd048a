using System.Diagnostics;
using System.Globalization;
using Mesh.Meshctl.Local;
using static Mesh.LoadTests.Scenarios.ScenarioThresholds;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// The k6 scenarios of loadtests/k6 on the local mesh, with the same config (loadtests/k6/config/local) and the same
/// thresholds: gateway, sidecar, gRPC, faults and outlier ejection on one mesh, retries on a second whose backends fail
/// a fifth of their requests. Each runs at a constant rate for a bounded time and reports one line, PASS or what it missed.
/// </summary>
internal static class LocalScenarios
{
    /// <summary>The rate every k6 script runs at by default (RATE in lib/config.js).</summary>
    public const int DefaultRate = 100;

    /// <summary>The fixedDelay of the fault config: a request at least this slow counts as delayed.</summary>
    private const double FaultDelayMs = 200;

    /// <summary>
    /// The retry scenario's backends fail this share (--fail-percent), as retries.js asks of details. Under load the
    /// four tries of a request land on failures independently, so 20% leaves 0.2^4 = 0.16% failing, under the 1% bound.
    /// </summary>
    private const int RetriesFailPercent = 20;

    private const string RoutingFile = "backend-routing.yaml";
    private const string Caller = "frontend-v1";

    /// <summary>loadtests/run.sh DURATION CONNECTIONS scenarios [RATE]: each scenario for DURATION after a warm-up as long.</summary>
    public static async Task<int> RunAsync(string duration, string connections, int rate)
    {
        var settings = new ScenarioSettings(rate, ParseSeconds(duration), int.Parse(connections, CultureInfo.InvariantCulture));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Each scenario: {settings.Rate} req/s (constant arrival rate) for {settings.Duration.TotalSeconds:0.#} s, at most {settings.MaxInFlight} in flight, after a {settings.WarmUp.TotalSeconds:0.#} s warm-up per mesh; {Environment.ProcessorCount} cores"));
        var reports = await RunAllAsync(settings, Console.WriteLine);
        Console.WriteLine();
        foreach (var report in reports)
        {
            Console.WriteLine(report.Line);
        }

        return reports.TrueForAll(r => r.Passed) ? 0 : 1;
    }

    public static async Task<List<ScenarioReport>> RunAllAsync(ScenarioSettings settings, Action<string> progress)
    {
        var configFolder = Path.Combine(RepositoryLayout.Find().Root, "loadtests", "k6", "config", "local");
        string Config(string name) => File.ReadAllText(Path.Combine(configFolder, name));
        var reports = new List<ScenarioReport>();

        progress("Starting the local mesh...");
        await using (var run = await ScenarioMesh.StartAsync(settings, backendFailPercent: 0, new Dictionary<string, string>()))
        {
            await WarmUpAsync(run, settings, progress);
            reports.Add(await GatewayAsync(run, settings, progress));
            reports.Add(await SidecarAsync(run, settings, progress));
            reports.Add(await GrpcAsync(run, settings, progress));
            progress("  faults: applying loadtests/k6/config/local/faults.yaml...");
            await MeshConfigChange.ApplyAsync(run.Mesh, run.Client, RoutingFile, Config("faults.yaml"), Caller);
            reports.Add(await FaultsAsync(run, settings, progress));
            progress("  outlier: applying loadtests/k6/config/local/outlier.yaml, then stopping backend v2's app...");
            await MeshConfigChange.ApplyAsync(run.Mesh, run.Client, RoutingFile, Config("outlier.yaml"), Caller);
            reports.Add(await OutlierAsync(run, settings, progress));
        }

        progress($"Starting a second mesh, both backends failing {RetriesFailPercent}% of requests, with loadtests/k6/config/local/retries.yaml...");
        await using (var run = await ScenarioMesh.StartAsync(settings, backendFailPercent: RetriesFailPercent, new Dictionary<string, string> { [RoutingFile] = Config("retries.yaml") }))
        {
            await WarmUpAsync(run, settings, progress);
            reports.Add(await RetriesAsync(run, settings, progress));
        }

        return reports;
    }

    private static async Task WarmUpAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress(string.Create(CultureInfo.InvariantCulture, $"  warming up through the gateway for {settings.WarmUp.TotalSeconds:0.#} s (not measured)..."));
        await ConstantRateLoad.RunAsync(settings.Rate, settings.WarmUp, settings.MaxInFlight, run.GatewayAsync);
    }

    private static async Task<ScenarioReport> GatewayAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress("  gateway: client -> gateway -> frontend sidecar -> frontend -> frontend sidecar -> backend sidecar -> backend");
        var result = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, run.GatewayAsync);
        return new ScenarioReport(Gateway, result, "", ByScenario[Gateway].Missed(result));
    }

    private static async Task<ScenarioReport> SidecarAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress("  sidecar: client -> frontend sidecar (outbound, Host: backend:9080) -> backend sidecar (mTLS) -> backend");
        var result = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, run.SidecarAsync);
        return new ScenarioReport(Sidecar, result, "", ByScenario[Sidecar].Missed(result));
    }

    private static async Task<ScenarioReport> GrpcAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress("  grpc: grpc.health.v1.Health/Check on the control plane's gRPC port (TLS)");
        using var health = new ControlPlaneHealth(run.Mesh, settings.MaxInFlight);
        // k6 connects in a virtual user's first iteration and leaves the connection out of grpc_req_duration: so here.
        var connecting = Stopwatch.StartNew();
        await health.CheckAsync(CancellationToken.None);
        progress(string.Create(CultureInfo.InvariantCulture, $"  grpc: connected and answered in {connecting.Elapsed.TotalMilliseconds:0} ms"));
        var result = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, health.CheckAsync);
        return new ScenarioReport(GrpcScenario, result, "", ByScenario[GrpcScenario].Missed(result));
    }

    private static async Task<ScenarioReport> FaultsAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress("  faults: through the gateway; the frontend's sidecar aborts 10% of its backend calls and delays 10%");
        var result = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, async token =>
        {
            var (status, body) = await run.GetGatewayAsync(token);
            // The fault filter's 503 is its own text, not the app's JSON: the frontend saw no answer to read (k6: fault_aborted).
            var aborted = SampleAnswer.Upstream(body, "backend") is { Status: 503, Answered: false };
            return new RequestOutcome(Failed: status != 200, Marked: aborted);
        });
        var thresholds = ByScenario[Faults];
        var missed = thresholds.Missed(result);
        var delayed = result.ShareAtLeast(FaultDelayMs);
        Within(missed, "fault_aborted rate", result.MarkedRate, thresholds.AbortShare!.Value);
        Within(missed, "fault_delayed rate", delayed, thresholds.DelayShare!.Value);
        return new ScenarioReport(Faults, result, string.Create(CultureInfo.InvariantCulture, $"aborted {result.MarkedRate:P1}, delayed {delayed:P1}"), missed);
    }

    private static async Task<ScenarioReport> OutlierAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        // One bad endpoint: backend v2's app is gone, so its sidecar answers every request with 503.
        var app = run.Mesh.ProcessId("backend-v2") ?? throw new InvalidOperationException("backend-v2's app is not running");
        using (var process = Process.GetProcessById(app))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        progress("  outlier: through the gateway, backend v2 failing every request until it is ejected, then after");
        var untilEjected = await ConstantRateLoad.RunAsync(settings.Rate, settings.EjectionWindow, settings.MaxInFlight, run.GatewayAsync);
        var after = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, run.GatewayAsync);
        var missed = ByScenario[Outlier].Missed(after);
        if (untilEjected.Failed == 0)
        {
            missed.Add("http_req_failed{scenario:until_ejected} rate>0: 0 (the bad endpoint was never hit)");
        }

        return new ScenarioReport(Outlier, after, string.Create(CultureInfo.InvariantCulture, $"until ejected: {untilEjected.Failed}/{untilEjected.Sent} failed"), missed)
        {
            UntilEjected = untilEjected,
        };
    }

    private static async Task<ScenarioReport> RetriesAsync(ScenarioMesh run, ScenarioSettings settings, Action<string> progress)
    {
        progress($"  retries: through the gateway; backends fail {RetriesFailPercent}%, the frontend's sidecar retries up to 3 times on 5xx");
        var result = await ConstantRateLoad.RunAsync(settings.Rate, settings.Duration, settings.MaxInFlight, async token =>
        {
            var (status, body) = await run.GetGatewayAsync(token);
            var retried = SampleAnswer.Upstream(body, "backend") is { Answered: true, Attempts: > 1 };
            return new RequestOutcome(Failed: status != 200, Marked: retried);
        });
        var missed = ByScenario[Retries].Missed(result);
        if (result.Marked == 0)
        {
            missed.Add("retried_requests count>0: 0");
        }

        return new ScenarioReport(Retries, result, string.Create(CultureInfo.InvariantCulture, $"retried {result.Marked} ({result.MarkedRate:P1})"), missed);
    }

    private static TimeSpan ParseSeconds(string duration) =>
        TimeSpan.FromSeconds(double.Parse(duration.TrimEnd('s'), CultureInfo.InvariantCulture));
}
