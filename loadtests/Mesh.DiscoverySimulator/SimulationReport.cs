using System.Globalization;
using System.Text;
using Mesh.Contracts.Discovery;

namespace Mesh.DiscoverySimulator;

/// <summary>What one run measured, and the table the command prints.</summary>
internal sealed class SimulationReport(SimulationOptions options)
{
    public SimulationOptions Options { get; } = options;

    /// <summary>Proxies that ACKed every type of their first config within the deadline.</summary>
    public int Configured { get; set; }
    public TimeSpan InitialElapsed { get; set; }
    /// <summary>Per proxy: from opening its stream to ACKing its last first type, in ms.</summary>
    public Percentiles InitialMilliseconds { get; set; }
    public PushTally InitialTally { get; set; } = new();
    public double InitialCpuMilliseconds { get; set; }
    public long ResidentAfterConnect { get; set; }

    /// <summary>Each change in order: the first meets code not yet run in the control plane, the others warm code.</summary>
    public List<ChangeResult> Changes { get; } = [];

    public long PeakResidentBytes { get; set; }
    public int Failures { get; set; }
    public string? FirstFailure { get; set; }

    /// <summary>Everything converged: every proxy configured, every dependent proxy ACKed the change, no stream failed.</summary>
    public bool Converged => Configured == Options.Proxies && Changes.Count == Options.Changes && Changes.TrueForAll(c => c.Acked == c.ExpectedDependents) && Failures == 0;

    public string Format()
    {
        var text = new StringBuilder();
        var n = Math.Max(1, Options.Proxies);
        Line(text, "proxies / services", $"{Options.Proxies} / {Options.Services}");
        if (Options.ControlPlaneEnvironment.Count > 0)
        {
            Line(text, "control plane environment", string.Join(" ", Options.ControlPlaneEnvironment.Select(e => $"{e.Key}={e.Value}")));
        }
        Line(text, "full config: all configured", $"{Configured}/{Options.Proxies} in {InitialElapsed.TotalSeconds:0.00} s");
        Line(text, "full config per proxy (ms)", Describe(InitialMilliseconds));
        Line(text, "full push per proxy", $"{InitialTally.TotalBytes / n:N0} bytes, {InitialTally.TotalResources / n:N0} resources, {InitialCpuMilliseconds / n:0.0} ms control-plane CPU");
        Line(text, "full push responses by type", ByType(InitialTally));
        for (var i = 0; i < Changes.Count; i++)
        {
            var change = Changes[i];
            Line(text, $"change {i + 1}{(i == 0 ? " (cold)" : "")}: ACKed", $"{change.Acked}/{change.ExpectedDependents} in {change.Elapsed.TotalSeconds:0.00} s, " +
                $"per proxy {Describe(change.Milliseconds)}, {change.CpuMilliseconds:0} ms control-plane CPU, {change.ProxiesCpuMilliseconds:0} ms the simulated proxies'");
        }
        if (Changes.Count > 0)
        {
            var last = Changes[^1];
            Line(text, "change: proxies that received", $"{last.Receivers} (dependent: {last.ExpectedDependents})");
            var receivers = Math.Max(1, last.Receivers);
            Line(text, "change per receiving proxy", $"{last.Tally.TotalBytes / receivers:N0} bytes, {last.Tally.TotalResources / receivers:N0} resources; {last.Tally.TotalBytes:N0} bytes in all");
            Line(text, "change responses by type", ByType(last.Tally));
        }
        Line(text, "control plane RSS", $"{ResidentAfterConnect / (1024 * 1024)} MB after connect, peak {PeakResidentBytes / (1024 * 1024)} MB");
        Line(text, "stream failures", Failures == 0 ? "0" : $"{Failures} (first: {FirstFailure})");
        return text.ToString();
    }

    private static string Describe(Percentiles p) =>
        p.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"p50 {p.P50:0} · p90 {p.P90:0} · p99 {p.P99:0} · max {p.Max:0} (n={p.Count})");

    private static string ByType(PushTally tally)
    {
        var parts = new string[TypeUrls.PushOrder.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = string.Create(CultureInfo.InvariantCulture, $"{TypeUrls.ShortName(TypeUrls.PushOrder[i])} {tally.Responses(i)} ({tally.Bytes(i):N0} B)");
        }
        return string.Join(", ", parts);
    }

    private static void Line(StringBuilder text, string name, string value) => text.Append(CultureInfo.InvariantCulture, $"{name,-32} {value}\n");
}

/// <summary>One change: who had to receive it, who did, and how long and how much CPU it took.</summary>
internal sealed class ChangeResult
{
    /// <summary>Proxies that depend on the changed resource (all of them unless scoped by exportTo or a Sidecar).</summary>
    public int ExpectedDependents { get; set; }
    /// <summary>Dependent proxies that ACKed a response after the file was written.</summary>
    public int Acked { get; set; }
    /// <summary>Proxies that received anything after the change, dependent or not.</summary>
    public int Receivers { get; set; }
    public TimeSpan Elapsed { get; set; }
    /// <summary>Per dependent proxy: from the file write to its ACK of the new version, in ms.</summary>
    public Percentiles Milliseconds { get; set; }
    public PushTally Tally { get; set; } = new();
    public double CpuMilliseconds { get; set; }
    /// <summary>The simulator's own CPU over the same time: the proxies' side, on the same cores.</summary>
    public double ProxiesCpuMilliseconds { get; set; }
}
