using System.Diagnostics;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Runs <c>promtool check metrics</c> on an exposition. Parse errors and lint findings fail, except where Istio's own
/// names break the lint: the base-unit lint on the millisecond histograms Istio mandates (docs/telemetry.md), and
/// istiod's counters without <c>_total</c> (<c>pilot_xds_pushes</c>, <c>citadel_server_csr_count</c>, which Istio's
/// dashboards query by those names).
/// </summary>
internal static class PromtoolCheck
{
    private static readonly string[] AllowedLintFindings =
    [
        "istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"",
        "mesh_route_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"",
    ];

    private static readonly System.Text.RegularExpressions.Regex IstiodCounterName = new(
        @"^(pilot|citadel)_\w+ (counter metrics should have ""_total"" suffix|non-histogram and non-summary metrics should not have ""_count"" suffix)$");

    /// <summary>Runs <c>promtool check config</c>, which also checks the file-SD files the config names.</summary>
    public static async Task AssertConfigValidAsync(string configFile)
    {
        using var process = Process.Start(new ProcessStartInfo("promtool", ["check", "config", configFile])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("promtool did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"promtool check config {configFile} failed ({process.ExitCode}):\n{await output}{await error}");
    }

    public static async Task AssertValidAsync(string exposition, string source)
    {
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start");
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var findings = (await output + "\n" + await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var onlyAllowedLint = process.ExitCode == 3 && findings.Length > 0 && findings.All(f => AllowedLintFindings.Contains(f) || IstiodCounterName.IsMatch(f));
        Assert.True(process.ExitCode == 0 || onlyAllowedLint, $"promtool check metrics on {source} failed ({process.ExitCode}):\n{string.Join('\n', findings)}");
    }
}
