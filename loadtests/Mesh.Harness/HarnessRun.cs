using System.Globalization;
using Mesh.Harness.Load;
using Mesh.LoadTests;
using Mesh.Meshctl.Local;

namespace Mesh.Harness;

/// <summary>
/// The whole measurement: the local mesh (whose backend-v1 app is every path's backend), nginx, HAProxy and a pair of
/// nginx with mutual TLS between them in front of that same app, then for each path a warm-up, the fixed-rate window (latency, CPU, RSS) and the closed loop
/// (max req/s), one after the other so that no two paths share the CPUs; then the table, as text, Markdown, CSV and a chart.
/// </summary>
internal sealed class HarnessRun(HarnessOptions options, Action<string> progress)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(10);

    /// <summary>The table's rows, in the order of the paths asked; the files are in <paramref name="outputDir"/>.</summary>
    public async Task<IReadOnlyList<PathMeasurement>> RunAsync(string outputDir, CancellationToken cancellationToken)
    {
        var workDir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mesh-harness-" + Environment.ProcessId)).FullName;
        try
        {
            progress("starting the local mesh (control plane, sample apps, sidecars, gateway routed to backend v1)...");
            await using var mesh = await LocalMesh.StartAsync(new LocalMeshOptions
            {
                WorkDir = workDir,
                ConfigOverrides = ConfigOverrides(),
                OnProgress = line => progress("  " + line),
                ProxyExecutable = options.ProxyExecutable,
            }, cancellationToken);
            var backend = mesh.Workloads.Single(w => w.Name == "backend-v1");
            var http2 = options.Protocol == LoadProtocol.Http2;
            await using var nginx = options.Paths.Contains("nginx")
                ? await Started("nginx (1 worker)", () => ExternalProxy.StartNginxAsync(workDir, FreePorts.Take(1)[0], backend.AppPort, http2, cancellationToken))
                : null;
            await using var haproxy = options.Paths.Contains("haproxy")
                ? await Started("HAProxy (1 thread)", () => ExternalProxy.StartHaproxyAsync(workDir, FreePorts.Take(1)[0], backend.AppPort, http2, cancellationToken))
                : null;
            await using var nginxPair = options.Paths.Contains("nginx-pair")
                ? await StartedPair(() =>
                {
                    var ports = FreePorts.Take(2);
                    return ExternalProxy.StartNginxMutualTlsPairAsync(workDir, ports[0], ports[1], backend.AppPort, http2, cancellationToken);
                })
                : null;

            var rows = new List<PathMeasurement>();
            foreach (var name in options.Paths)
            {
                var path = Describe(name, mesh, backend, nginx, haproxy, nginxPair);
                rows.Add(await MeasureAsync(path, cancellationToken));
            }

            Write(outputDir, rows);
            return rows;
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    /// <summary>The benchmark's config, and the user's file beside it (under a name of its own, so it replaces none).</summary>
    private Dictionary<string, string> ConfigOverrides()
    {
        var overrides = BenchConfig.Overrides();
        if (options.ConfigFile is { } file)
        {
            overrides["harness-config.yaml"] = File.ReadAllText(file);
        }

        return overrides;
    }

    private async Task<ExternalProxy> Started(string what, Func<Task<ExternalProxy>> start)
    {
        var proxy = await start();
        progress($"{what} listening on 127.0.0.1:{proxy.Port} in front of the same backend");
        return proxy;
    }

    private async Task<ExternalProxyPair> StartedPair(Func<Task<ExternalProxyPair>> start)
    {
        var pair = await start();
        progress($"nginx pair listening on 127.0.0.1:{pair.Client.Port}, mutual TLS to 127.0.0.1:{pair.Server.Port}, in front of the same backend");
        return pair;
    }

    private HarnessPath Describe(string name, LocalMesh mesh, LocalWorkload backend, ExternalProxy? nginx, ExternalProxy? haproxy, ExternalProxyPair? nginxPair)
    {
        var protocol = options.Protocol;
        ProxyUnderTest Sidecar(string workload) => MeshProxy(mesh, workload + " sidecar");
        ProxyUnderTest Nginx(string role, ExternalProxy proxy) => new(role, () => [proxy.ProcessId, .. ProcessStats.Children(proxy.ProcessId)]);
        return name switch
        {
            "direct" => new("direct to the app", new(new Uri($"http://127.0.0.1:{backend.AppPort}/"), protocol), []),
            "nginx" => new("nginx (1 worker)", new(new Uri($"http://127.0.0.1:{nginx!.Port}/"), protocol),
                [Nginx("nginx", nginx)]),
            "haproxy" => new("HAProxy (1 thread)", new(new Uri($"http://127.0.0.1:{haproxy!.Port}/"), protocol),
                [ProxyUnderTest.Single("haproxy", haproxy.ProcessId)]),
            "nginx-pair" => new("nginx -> nginx (mTLS) -> app", new(new Uri($"http://127.0.0.1:{nginxPair!.Client.Port}/"), protocol),
                [Nginx("nginx client side", nginxPair.Client), Nginx("nginx server side", nginxPair.Server)]),
            // The backend sidecar's inbound listener alone; the mesh's default (PERMISSIVE) takes plaintext there.
            "inbound" => new("sidecar inbound alone", new(new Uri($"http://127.0.0.1:{backend.InboundPort}/"), protocol),
                [Sidecar("backend-v1")]),
            "sidecar" => new("sidecar -> sidecar (mTLS) -> app",
                new(new Uri($"http://127.0.0.1:{mesh.Workloads.Single(w => w.Name == "frontend-v1").OutboundPort}/"), protocol, "backend:9080"),
                [Sidecar("frontend-v1"), Sidecar("backend-v1")]),
            "gateway" => new("gateway -> sidecar (mTLS) -> app", new(mesh.GatewayUrl, protocol),
                [MeshProxy(mesh, LocalMesh.GatewayName), Sidecar("backend-v1")]),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown path"),
        };
    }

    private static ProxyUnderTest MeshProxy(LocalMesh mesh, string program) =>
        ProxyUnderTest.Single(program, mesh.ProcessId(program) ?? throw new InvalidOperationException($"{program} is not running"));

    private async Task<PathMeasurement> MeasureAsync(HarnessPath path, CancellationToken cancellationToken)
    {
        var rate = options.Rate.ToString("0", CultureInfo.InvariantCulture);
        await BackendCheck.RequireAsync(path.Name, path.Target, "backend", "v1", cancellationToken);
        if (options.Warmup > TimeSpan.Zero)
        {
            await LoadAsync($"{path.Name}: warm-up, {Seconds(options.Warmup)} at {rate} req/s", path.Target, options.WarmupRun, cancellationToken);
        }

        var before = CpuSeconds(path.Proxies);
        var fixedRate = await LoadAsync($"{path.Name}: {Seconds(options.Duration)} at {rate} req/s, {options.Connections} connections", path.Target, options.FixedRate, cancellationToken);
        var after = CpuSeconds(path.Proxies);
        long maxResident = 0;
        foreach (var proxy in path.Proxies)
        {
            maxResident = Math.Max(maxResident, proxy.ResidentBytes());
        }

        var closedLoop = await LoadAsync($"{path.Name}: closed loop, {options.Connections} connections, {Seconds(options.MaxDuration)}", path.Target, options.ClosedLoop, cancellationToken);
        double all = 0, busiest = 0;
        for (var i = 0; i < before.Length; i++)
        {
            all += after[i] - before[i];
            busiest = Math.Max(busiest, after[i] - before[i]);
        }

        var row = new PathMeasurement(path.Name, closedLoop, fixedRate, path.Proxies.Count, all, busiest, maxResident);
        progress(string.Create(CultureInfo.InvariantCulture,
            $"{path.Name}: max {closedLoop.AchievedRate:0} req/s; at {fixedRate.AchievedRate:0} of {rate} req/s p50 {fixedRate.PercentileMs(50):0.00} ms, p99 {fixedRate.PercentileMs(99):0.00} ms; errors {closedLoop.Errors + fixedRate.Errors}"));
        return row;
    }

    /// <summary>One load run, with a progress line when it starts and every ten seconds while it lasts.</summary>
    private async Task<LoadResult> LoadAsync(string what, LoadTarget target, LoadOptions load, CancellationToken cancellationToken)
    {
        progress(what + "...");
        var run = LoadGenerator.RunAsync(target, load, cancellationToken);
        using var ticker = new PeriodicTimer(ProgressEvery);
        var elapsed = TimeSpan.Zero;
        while (await Task.WhenAny(run, ticker.WaitForNextTickAsync(cancellationToken).AsTask()) != run)
        {
            elapsed += ProgressEvery;
            progress($"  ... {Seconds(elapsed)} of {Seconds(load.Duration)}");
        }

        return await run;
    }

    private static double[] CpuSeconds(IReadOnlyList<ProxyUnderTest> proxies)
    {
        var seconds = new double[proxies.Count];
        for (var i = 0; i < seconds.Length; i++)
        {
            seconds[i] = proxies[i].CpuSeconds();
        }

        return seconds;
    }

    private void Write(string outputDir, IReadOnlyList<PathMeasurement> rows)
    {
        Directory.CreateDirectory(outputDir);
        var proxy = options.ProxyExecutable is null ? "the JIT'd proxy" : "the native proxy " + options.ProxyExecutable;
        var config = options.ConfigFile is null ? "" : "; with the config of " + options.ConfigFile;
        var settings = string.Create(CultureInfo.InvariantCulture,
            $"{options.ProtocolName}, {options.Connections} connections; fixed rate {options.Rate:0} req/s for {Seconds(options.Duration)} after {Seconds(options.Warmup)} of warm-up; closed loop for {Seconds(options.MaxDuration)}; {Environment.ProcessorCount} cores; {proxy}{config}");
        File.WriteAllText(Path.Combine(outputDir, "table.md"), $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {settings}.\n\n{ResultTable.Markdown(rows)}");
        File.WriteAllText(Path.Combine(outputDir, "table.csv"), ResultTable.Csv(rows));
        LatencyChart.Write(Path.Combine(outputDir, "latency.png"), rows, $"Latency at {options.Rate:0} req/s ({options.ProtocolName})");
        progress("");
        progress(settings);
        foreach (var line in ResultTable.Text(rows).TrimEnd().Split('\n'))
        {
            progress(line);
        }

        progress($"wrote table.md, table.csv and latency.png to {outputDir}");
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
