using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.EndToEnd.Tests.LoadScripts;

/// <summary>
/// What every k6 script of loadtests/k6 must be, read from what node/inspect.mjs saw: constant-arrival-rate scenarios
/// that ran, thresholds k6 would accept on metrics that exist, p95 and p99 on the request latency, a bound on the error
/// rate, and checks that hold against a healthy mesh's answer.
/// </summary>
internal static partial class K6ScriptRules
{
    /// <summary>k6's own metrics a threshold may name; any other must be one the script creates (k6/metrics).</summary>
    private static readonly HashSet<string> BuiltInMetrics =
    [
        "checks", "data_received", "data_sent", "dropped_iterations", "iteration_duration", "iterations", "vus", "vus_max",
        "http_reqs", "http_req_duration", "http_req_failed", "http_req_blocked", "http_req_connecting", "http_req_sending",
        "http_req_waiting", "http_req_receiving", "http_req_tls_handshaking", "grpc_req_duration", "grpc_streams",
    ];

    private static readonly string[] LatencyMetrics = ["http_req_duration", "grpc_req_duration"];
    private static readonly string[] ErrorRateMetrics = ["http_req_failed", "grpc_req_failed"];

    public static List<string> Problems(JsonElement inspected)
    {
        if (inspected.TryGetProperty("error", out var error))
        {
            return [$"did not load or run under Node: {error.GetString()}"];
        }

        var problems = new List<string>();
        var options = inspected.GetProperty("options");
        if (options.ValueKind != JsonValueKind.Object)
        {
            return ["exports no options"];
        }

        CheckScenarios(options, inspected, problems);
        CheckThresholds(options, inspected, problems);
        var checks = inspected.GetProperty("checks").EnumerateObject().ToList();
        if (checks.Count == 0)
        {
            problems.Add("makes no check() (failures would not say what went wrong)");
        }

        problems.AddRange(checks.Where(c => !c.Value.GetBoolean()).Select(c => $"check '{c.Name}' fails against a healthy mesh's answer"));
        if (inspected.GetProperty("requests").GetArrayLength() == 0)
        {
            problems.Add("sent no request when its scenarios ran");
        }

        return problems;
    }

    /// <summary>The threshold expressions of the first key on <paramref name="metrics"/> (untagged, or tagged by a scenario) that has one starting with <paramref name="prefix"/>.</summary>
    public static List<string> Expressions(JsonElement thresholds, string[] metrics, string prefix) =>
        thresholds.EnumerateObject()
            .Where(t => metrics.Contains(MetricName(t.Name)))
            .Select(t => t.Value.EnumerateArray().Select(e => e.GetString()!).ToList())
            .FirstOrDefault(e => e.Exists(x => x.StartsWith(prefix, StringComparison.Ordinal))) ?? [];

    public static string MetricName(string thresholdKey) => thresholdKey.Split('{')[0];

    private static void CheckScenarios(JsonElement options, JsonElement inspected, List<string> problems)
    {
        if (!options.TryGetProperty("scenarios", out var scenarios) || !scenarios.EnumerateObject().Any())
        {
            problems.Add("options has no scenarios");
            return;
        }

        var ran = inspected.GetProperty("ran").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        foreach (var scenario in scenarios.EnumerateObject())
        {
            var s = scenario.Value;
            var name = $"scenario {scenario.Name}";
            if (Text(s, "executor") != "constant-arrival-rate") problems.Add($"{name}: executor is {Text(s, "executor") ?? "(none)"}, not constant-arrival-rate");
            if (!(Number(s, "rate") > 0)) problems.Add($"{name}: no positive rate");
            if (!Duration().IsMatch(Text(s, "timeUnit") ?? "")) problems.Add($"{name}: timeUnit is not a k6 duration");
            if (!Duration().IsMatch(Text(s, "duration") ?? "")) problems.Add($"{name}: duration is not a k6 duration (a bounded run)");
            if (s.TryGetProperty("startTime", out _) && !Duration().IsMatch(Text(s, "startTime") ?? "")) problems.Add($"{name}: startTime is not a k6 duration");
            if (!(Number(s, "preAllocatedVUs") > 0) || !(Number(s, "maxVUs") >= Number(s, "preAllocatedVUs"))) problems.Add($"{name}: needs preAllocatedVUs > 0 and maxVUs >= preAllocatedVUs");
            if (!ran.Contains(scenario.Name)) problems.Add($"{name}: did not run");
        }
    }

    private static void CheckThresholds(JsonElement options, JsonElement inspected, List<string> problems)
    {
        if (!options.TryGetProperty("thresholds", out var thresholds) || thresholds.ValueKind != JsonValueKind.Object)
        {
            problems.Add("options has no thresholds");
            return;
        }

        var custom = inspected.GetProperty("metrics").EnumerateObject().ToDictionary(m => m.Name, m => m.Value.GetString());
        foreach (var threshold in thresholds.EnumerateObject())
        {
            if (!ThresholdKey().IsMatch(threshold.Name)) problems.Add($"threshold key '{threshold.Name}' is not metric or metric{{tag:value}}");
            var metric = MetricName(threshold.Name);
            if (!BuiltInMetrics.Contains(metric) && !custom.ContainsKey(metric)) problems.Add($"threshold on '{metric}', a metric neither k6 nor the script has");
            foreach (var expression in threshold.Value.EnumerateArray())
            {
                if (!ThresholdExpression().IsMatch(expression.GetString() ?? "")) problems.Add($"threshold '{threshold.Name}': '{expression}' is not a k6 threshold expression");
            }
        }

        var latency = Expressions(thresholds, LatencyMetrics, "p(95)<");
        if (!latency.Exists(e => e.StartsWith("p(99)<", StringComparison.Ordinal))) problems.Add("no thresholds p(95)< and p(99)< on one latency metric (http_req_duration or grpc_req_duration)");
        if (Expressions(thresholds, ErrorRateMetrics, "rate<").Count == 0) problems.Add("no rate< threshold on the error rate (http_req_failed, or grpc_req_failed for gRPC)");
        if (custom.TryGetValue("grpc_req_failed", out var kind) && kind != "rate") problems.Add("grpc_req_failed must be a Rate");
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    [GeneratedRegex(@"^\d+(\.\d+)?(ms|s|m|h)$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\{[A-Za-z_][A-Za-z0-9_]*:[^{}]+\})?$")]
    private static partial Regex ThresholdKey();

    [GeneratedRegex(@"^(avg|min|max|med|count|rate|value|p\(\d+(\.\d+)?\))\s*(<|<=|>|>=|==|===|!=)\s*\d+(\.\d+)?$")]
    private static partial Regex ThresholdExpression();
}
