using System.Globalization;

namespace Mesh.LoadTests.Scenarios;

/// <summary>One scenario's figures and the thresholds it missed (none: PASS), printed as one line.</summary>
internal sealed record ScenarioReport(string Name, LoadResult Result, string Figures, IReadOnlyList<string> Missed)
{
    public bool Passed => Missed.Count == 0;

    /// <summary>The outlier scenario's first phase: from the endpoint going bad until it was ejected.</summary>
    public LoadResult? UntilEjected { get; init; }

    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"{Name,-9} {Result.Sent,6} req {Result.RequestsPerSecond,7:0.0}/s  p50 {Result.Percentile(50),7:0.00}  p95 {Result.Percentile(95),7:0.00}  p99 {Result.Percentile(99),7:0.00} ms  errors {Result.ErrorRate,6:P1}  dropped {Result.Dropped,4}  {Figures,-36} ")
        + (Passed ? "PASS" : "FAIL: " + string.Join("; ", Missed));
}
