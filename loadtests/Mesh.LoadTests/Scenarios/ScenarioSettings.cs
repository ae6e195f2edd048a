namespace Mesh.LoadTests.Scenarios;

/// <summary>How hard and how long each scenario runs: the arrival rate, the measured length, the most requests in flight.</summary>
internal sealed record ScenarioSettings(int Rate, TimeSpan Duration, int MaxInFlight)
{
    /// <summary>Unmeasured load through the gateway after each mesh starts (the JIT's warm-up, docs/performance.md).</summary>
    public TimeSpan WarmUp { get; init; } = Duration;

    /// <summary>The outlier scenario's first phase, as EJECTION_WINDOW in outlier.js (10 s), never longer than a scenario.</summary>
    public TimeSpan EjectionWindow { get; init; } = Duration < TimeSpan.FromSeconds(10) ? Duration : TimeSpan.FromSeconds(10);
}
