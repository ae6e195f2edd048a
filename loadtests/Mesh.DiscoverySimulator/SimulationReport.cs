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

    /// <summary>Proxies that depend on the changed VirtualService (all of them unless scoped by exportTo or a Sidecar).</summary>
    public int ExpectedDependents { get; set; }
    /// <summary>Dependent proxies that ACKed a response after the file was written.</summary>
    public int ChangeAcked { get; set; }
    /// <summary>Proxies that received anything after the change, dependent or not.</summary>
    public int ChangeReceivers { get; set; }
    public TimeSpan ChangeElapsed { get; set; }
    /// <summary>Per dependent proxy: from the file write to its ACK of the new version, in ms.</summary>
    public Percentiles ChangeMilliseconds { get; set; }
    public PushTally ChangeTally { get; set; } = new();
    public double ChangeCpuMilliseconds { get; set; }

    public long PeakResidentBytes { get; set; }
    public int Failures { get; set; }
    public string? FirstFailure { get; set; }

    /// <summary>Everything converged: every proxy configured, every dependent proxy ACKed the change, no stream failed.</summary>
    public bool Converged => Configured == Options.Proxies && ChangeAcked == ExpectedDependents && Failures == 0;

    public string Format()
    {
        var text = new StringBuilder();
        var n = Math.Max(1, Options.Proxies);
        Line(text, "proxies / services", $"{Options.Proxies} / {Options.Services}");
        Line(text, "full config: all configured", $"{Configured}/{Options.Proxies} in {InitialElapsed.TotalSeconds:0.00} s");
        Line(text, "full config per proxy (ms)", Describe(InitialMilliseconds));
        Line(text, "full push per proxy", $"{InitialTally.TotalBytes / n:N0} bytes, {InitialTally.TotalResources / n:N0} resources, {InitialCpuMilliseconds / n:0.0} ms control-plane CPU");
        Line(text, "full push responses by type", ByType(InitialTally));
        Line(text, "change: dependents ACKed", $"{ChangeAcked}/{ExpectedDependents} in {ChangeElapsed.TotalSeconds:0.00} s (from the file write)");
        Line(text, "change per proxy (ms)", Describe(ChangeMilliseconds));
        Line(text, "change: proxies that received", $"{ChangeReceivers} (dependent: {ExpectedDependents})");
        var receivers = Math.Max(1, ChangeReceivers);
        Line(text, "change per receiving proxy", $"{ChangeTally.TotalBytes / receivers:N0} bytes, {ChangeTally.TotalResources / receivers:N0} resources; {ChangeTally.TotalBytes:N0} bytes in all");
        Line(text, "change responses by type", ByType(ChangeTally));
        Line(text, "change: control-plane CPU", $"{ChangeCpuMilliseconds:0} ms");
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
