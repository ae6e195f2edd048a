using System.Diagnostics;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Security;

namespace Mesh.DiscoverySimulator;

/// <summary>
/// One run: generate the mesh, start the control plane, connect every simulated proxy and wait for its full config,
/// make one change (a VirtualService, a DestinationRule, or a service's workloads) and wait for every proxy that depends on it to ACK the new version, a few times over. Each phase is bounded
/// by <see cref="SimulationOptions.PhaseDeadline"/>; the report says what did not arrive in time.
/// </summary>
internal sealed class Simulation(SimulationOptions options, Action<string> progress)
{
    /// <summary>The service whose VirtualService the change rewrites.</summary>
    public const int ChangedService = 0;

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly MeshGenerator _mesh = new(options);

    /// <summary>Runs in <paramref name="workFolder"/> (its config/ and ca/ are created there).</summary>
    public async Task<SimulationReport> RunAsync(string workFolder, CancellationToken cancellationToken)
    {
        var configFolder = Directory.CreateDirectory(Path.Combine(workFolder, "config")).FullName;
        var caFolder = Path.Combine(workFolder, "ca");
        _mesh.WriteAll(configFolder);
        progress($"generated {options.Services} services, {Math.Max(options.Proxies, options.Services)} workloads in {_mesh.NamespaceCount} namespaces");

        await using var controlPlane = await ControlPlaneProcess.StartAsync(
            configFolder, caFolder, options.DebounceMilliseconds, options.ControlPlaneEnvironment, TimeSpan.FromMinutes(2));
        progress($"control plane ready (pid {controlPlane.ProcessId}, discovery on 127.0.0.1:{controlPlane.GrpcPort}), {controlPlane.ResidentBytes() / (1024 * 1024)} MB resident");
        var report = new SimulationReport(options);
        var proxies = CreateProxies(controlPlane);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await ConnectAsync(proxies, controlPlane, report, stop.Token);
            for (var change = 1; change <= options.Changes && report.Configured == proxies.Count; change++)
            {
                var result = await ChangeAsync(proxies, controlPlane, configFolder, change, timeoutSeconds: 6 + change, stop.Token);
                report.Changes.Add(result);
                if (result.Acked < result.ExpectedDependents) break;
            }
            report.PeakResidentBytes = controlPlane.PeakResidentBytes();
            report.Failures = CountFailures(proxies, out var firstFailure);
            report.FirstFailure = firstFailure;
        }
        finally
        {
            await stop.CancelAsync();
            foreach (var proxy in proxies) await proxy.DisposeAsync();
        }
        return report;
    }

    private List<SimulatedProxy> CreateProxies(ControlPlaneProcess controlPlane)
    {
        var tokens = BootstrapToken.LoadOrCreate(controlPlane.CaDirectory);
        var rootFile = Path.Combine(controlPlane.CaDirectory, CertificateAuthorityFolder.RootCertFile);
        var address = new Uri($"https://127.0.0.1:{controlPlane.GrpcPort}");
        var proxies = new List<SimulatedProxy>(options.Proxies);
        for (var i = 0; i < options.Proxies; i++)
        {
            var service = _mesh.ServiceOfProxy(i);
            var ns = _mesh.NamespaceOf(service);
            var workload = _mesh.WorkloadName(i);
            var node = new Node
            {
                Id = $"sidecar~{workload}.{ns}",
                Role = ProxyRole.Sidecar,
                WorkloadName = workload,
                Namespace = ns,
                AppAddress = "127.0.0.1:8080",
                OutboundPort = 15001,
                BindAddress = "127.0.0.1",
                ProxyVersion = "simulator",
                // As the proxy does: a change then sends the parts that changed, not every virtual host.
                ClientFeatures = { ClientFeatures.Incremental },
            };
            // The injector's capture port: iptables redirects the pod's inbound connections there.
            if (options.Captured) node.InboundCapturePort = 15006;
            var token = tokens.Create(new SpiffeId(SpiffeId.DefaultTrustDomain, ns, MeshGenerator.ServiceName(service)));
            // A channel (and so a connection, with its own TLS handshake) per proxy, as each real proxy has.
            proxies.Add(new SimulatedProxy(i, node, token, ControlPlaneChannel.Create(address, rootFile, TimeProvider.System)));
        }
        return proxies;
    }

    private async Task ConnectAsync(List<SimulatedProxy> proxies, ControlPlaneProcess controlPlane, SimulationReport report, CancellationToken cancellationToken)
    {
        var cpuBefore = controlPlane.CpuMilliseconds();
        var started = Stopwatch.GetTimestamp();
        using var gate = new SemaphoreSlim(options.ConnectConcurrency);
        var opening = new List<Task>(proxies.Count);
        foreach (var proxy in proxies)
        {
            await gate.WaitAsync(cancellationToken);
            opening.Add(OpenAsync(proxy, gate, cancellationToken));
        }
        await Task.WhenAll(opening);
        progress($"opened {proxies.Count} streams in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");

        await WaitAsync("initial config", () => CountSettled(proxies), proxies.Count, started, cancellationToken);
        report.Configured = CountConfigured(proxies);
        report.InitialElapsed = Stopwatch.GetElapsedTime(started);
        var perProxy = new List<double>(proxies.Count);
        var tally = new PushTally();
        foreach (var proxy in proxies)
        {
            if (proxy.IsConfigured) perProxy.Add(Stopwatch.GetElapsedTime(proxy.OpenedAt, proxy.ConfiguredAt).TotalMilliseconds);
        }
        await WaitForQuietAsync(proxies, cancellationToken);
        foreach (var proxy in proxies) tally.Add(proxy.Tally());
        report.InitialMilliseconds = Percentiles.Of(perProxy);
        report.InitialTally = tally;
        report.InitialCpuMilliseconds = controlPlane.CpuMilliseconds() - cpuBefore;
        report.ResidentAfterConnect = controlPlane.ResidentBytes();
    }

    private static async Task OpenAsync(SimulatedProxy proxy, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            await proxy.OpenAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <param name="change">The change's number, from 1: an endpoints change adds as many workloads to the service.</param>
    /// <param name="timeoutSeconds">The route timeout the change writes (a DestinationRule change, this plus 100 pending requests): different for every change, so each is a new version.</param>
    private async Task<ChangeResult> ChangeAsync(List<SimulatedProxy> proxies, ControlPlaneProcess controlPlane, string configFolder, int change, int timeoutSeconds,
        CancellationToken cancellationToken)
    {
        var report = new ChangeResult();
        var before = new PushTally[proxies.Count];
        for (var i = 0; i < proxies.Count; i++) before[i] = proxies[i].Tally();
        var changedNamespace = _mesh.NamespaceOf(ChangedService);
        // exportTo is written on the VirtualServices and DestinationRules, not the ServiceEntries: every proxy reaches
        // service 0's endpoints unless a Sidecar scopes it. The mesh-wide policy applies to every proxy whatever scopes it.
        var scoped = options.Change switch
        {
            ChangeKind.AuthorizationPolicy => false,
            ChangeKind.Endpoints => options.SidecarEgress,
            _ => options.SidecarEgress || options.ExportToOwnNamespace,
        };
        var expected = new List<SimulatedProxy>();
        foreach (var proxy in proxies)
        {
            if (!scoped || proxy.Namespace == changedNamespace) expected.Add(proxy);
        }
        report.ExpectedDependents = expected.Count;

        var cpuBefore = controlPlane.CpuMilliseconds();
        var proxiesCpuBefore = OwnCpuMilliseconds();
        var written = Stopwatch.GetTimestamp();
        string file;
        switch (options.Change)
        {
            case ChangeKind.DestinationRule:
                _mesh.RewriteDestinationRule(configFolder, ChangedService, pendingRequests: 100 + timeoutSeconds);
                file = MeshGenerator.DestinationRuleFile(ChangedService);
                break;
            case ChangeKind.Endpoints:
                _mesh.RewriteServiceWorkloads(configFolder, ChangedService, added: change);
                file = MeshGenerator.ServiceFile(ChangedService);
                break;
            case ChangeKind.AuthorizationPolicy:
                MeshGenerator.RewriteAuthorizationPolicy(configFolder, change);
                file = MeshGenerator.AuthorizationPolicyFile;
                break;
            default:
                _mesh.RewriteVirtualService(configFolder, ChangedService, timeoutSeconds);
                file = MeshGenerator.VirtualServiceFile(ChangedService);
                break;
        }
        progress($"rewrote {file}; waiting for {expected.Count} dependent proxies to ACK");
        await WaitAsync("the change", () => CountAckedSince(expected, written), expected.Count, written, cancellationToken);
        report.Elapsed = Stopwatch.GetElapsedTime(written);
        // Proxies that do not depend on the change must receive nothing: give stragglers as long again to show up.
        await WaitForQuietAsync(proxies, cancellationToken);

        var perProxy = new List<double>(expected.Count);
        foreach (var proxy in expected)
        {
            if (proxy.LastAckAt > written) perProxy.Add(Stopwatch.GetElapsedTime(written, proxy.LastAckAt).TotalMilliseconds);
        }
        report.Milliseconds = Percentiles.Of(perProxy);
        report.Acked = perProxy.Count;
        var tally = new PushTally();
        for (var i = 0; i < proxies.Count; i++)
        {
            var delta = PushTally.Between(before[i], proxies[i].Tally());
            if (delta.TotalResponses > 0) report.Receivers++;
            tally.Add(delta);
        }
        report.Tally = tally;
        report.CpuMilliseconds = controlPlane.CpuMilliseconds() - cpuBefore;
        report.ProxiesCpuMilliseconds = OwnCpuMilliseconds() - proxiesCpuBefore;
        return report;
    }

    /// <summary>
    /// This process's CPU so far: the simulated proxies' reading and ACKing, which shares the machine's cores with the
    /// control plane (and adds to the time a change takes, as proxies on other machines would not).
    /// </summary>
    private static double OwnCpuMilliseconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>Waits until <paramref name="done"/> reaches <paramref name="target"/> or the phase deadline passes, with a progress line every few seconds.</summary>
    private async Task WaitAsync(string phase, Func<int> done, int target, long startedAt, CancellationToken cancellationToken)
    {
        var nextProgress = ProgressInterval;
        while (done() < target)
        {
            var elapsed = Stopwatch.GetElapsedTime(startedAt);
            if (elapsed > options.PhaseDeadline)
            {
                progress($"{phase}: deadline of {options.PhaseDeadline.TotalSeconds:0} s passed with {done()}/{target}");
                return;
            }
            if (elapsed > nextProgress)
            {
                progress($"{phase}: {done()}/{target} after {elapsed.TotalSeconds:0} s");
                nextProgress = elapsed + ProgressInterval;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Waits until no proxy has received anything for a while (twice the debounce, at least half a second), bounded by the deadline.</summary>
    private async Task WaitForQuietAsync(List<SimulatedProxy> proxies, CancellationToken cancellationToken)
    {
        var quiet = TimeSpan.FromMilliseconds(Math.Max(500, 2 * options.DebounceMilliseconds));
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < options.PhaseDeadline)
        {
            long last = 0;
            foreach (var proxy in proxies) last = Math.Max(last, proxy.LastAckAt);
            if (Stopwatch.GetElapsedTime(Math.Max(last, started)) >= quiet) return;
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static int CountConfigured(List<SimulatedProxy> proxies)
    {
        var count = 0;
        foreach (var proxy in proxies)
        {
            if (proxy.IsConfigured) count++;
        }
        return count;
    }

    /// <summary>Configured or failed: the proxies the first phase no longer waits for.</summary>
    private static int CountSettled(List<SimulatedProxy> proxies)
    {
        var count = 0;
        foreach (var proxy in proxies)
        {
            if (proxy.IsSettled) count++;
        }
        return count;
    }

    private static int CountAckedSince(List<SimulatedProxy> proxies, long since)
    {
        var count = 0;
        foreach (var proxy in proxies)
        {
            if (proxy.LastAckAt > since) count++;
        }
        return count;
    }

    private static int CountFailures(List<SimulatedProxy> proxies, out string? first)
    {
        first = null;
        var count = 0;
        foreach (var proxy in proxies)
        {
            if (proxy.Failure is not { } failure) continue;
            count++;
            first ??= $"proxy {proxy.Index}: {ControlPlaneChannel.DescribeFailure(failure)}";
        }
        return count;
    }
}
