using System.Globalization;
using Mesh.Security;

namespace Mesh.Meshctl.Local;

/// <summary>
/// A whole mesh on 127.0.0.1 without Kubernetes: the control plane watching a folder of Istio YAML, the sample
/// app's three workloads each behind its sidecar, and an ingress gateway. The demo and the end-to-end tests both
/// run it.
/// </summary>
internal sealed class LocalMesh : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string GatewayName = "istio-ingressgateway";
    public const string GatewayServiceAccount = "istio-ingressgateway-service-account";

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly LocalMeshOptions _options;
    private readonly RepositoryLayout _layout;
    private readonly List<MeshProcess> _processes = [];
    private readonly int _grpcPort;
    private readonly int _gatewayAdminPort;

    // Istio's port 15090 once per proxy cannot be shared on one address: gateway first, then the workloads' sidecars.
    private readonly int[] _metricsPorts;
    private MeshProcess? _controlPlane;
    private BootstrapToken? _tokens;

    private LocalMesh(LocalMeshOptions options, RepositoryLayout layout, int[] ports, int gatewayPort)
    {
        _options = options;
        _layout = layout;
        ConfigDir = Path.Combine(options.WorkDir, "config");
        _grpcPort = ports[0];
        ControlPlaneUrl = new Uri($"http://127.0.0.1:{ports[1]}");
        GatewayUrl = new Uri($"http://127.0.0.1:{gatewayPort}");
        _gatewayAdminPort = ports[2];
        _metricsPorts = ports[15..19];
        Workloads =
        [
            new("frontend-v1", "frontend", "v1", "http://backend:9080/", ports[3], ports[4], ports[5], ports[6]),
            new("backend-v1", "backend", "v1", null, ports[7], ports[8], ports[9], ports[10]),
            new("backend-v2", "backend", "v2", null, ports[11], ports[12], ports[13], ports[14]),
        ];
    }

    public Uri GatewayUrl { get; }

    /// <summary>The control plane's HTTP port: /ready, /debug/syncz, /debug/configz.</summary>
    public Uri ControlPlaneUrl { get; }

    public string ConfigDir { get; }

    /// <summary>The control plane's CA (Istio's cacerts layout, a self-signed root created on first start) and the bootstrap-token secret.</summary>
    public string CaDir => Path.Combine(_options.WorkDir, "ca");

    /// <summary>The control plane's gRPC port (discovery and signing), served over TLS with istiod's identity.</summary>
    public int DiscoveryPort => _grpcPort;

    /// <summary>Each program's whole output, one file per program.</summary>
    public string LogDir => Path.Combine(_options.WorkDir, "logs");

    public IReadOnlyList<LocalWorkload> Workloads { get; }

    /// <summary>Every program running, by name, with its process id (what to <c>kill</c> to stop one of them).</summary>
    public IReadOnlyList<(string Name, int Pid)> Programs => [.. _processes.Where(p => !p.HasExited).Select(p => (p.Name, p.Id))];

    /// <summary>Every proxy's name and admin address (/ready, /config_dump), gateway first.</summary>
    public IReadOnlyList<(string Name, Uri Admin)> Proxies =>
        [(GatewayName, new Uri($"http://127.0.0.1:{_gatewayAdminPort}")),
         .. Workloads.Select(w => (w.Name + " sidecar", new Uri($"http://127.0.0.1:{w.AdminPort}")))];

    /// <summary>Every proxy's name and Prometheus address (/stats/prometheus), gateway first.</summary>
    public IReadOnlyList<(string Name, Uri Metrics)> MetricsEndpoints =>
        [(GatewayName, MetricsUri(0)), .. Workloads.Select((w, i) => (w.Name + " sidecar", MetricsUri(i + 1)))];

    /// <summary>The Prometheus file service discovery list of every proxy, written at start-up.</summary>
    public string PrometheusTargetsFile => Path.Combine(_options.WorkDir, "prometheus", "targets.json");

    public IReadOnlyList<string> ConfigFiles { get; private set; } = [];

    public static async Task<LocalMesh> StartAsync(LocalMeshOptions options, CancellationToken cancellationToken = default)
    {
        var layout = options.BinariesFrom is { } other ? RepositoryLayout.At(other, "release") : RepositoryLayout.Find();
        // One call, so that no two of the mesh's ports can be the same.
        var ports = FreePorts.Take(19);
        var gatewayPort = options.GatewayPort != 0 ? options.GatewayPort : FreePorts.Take(1)[0];
        var mesh = new LocalMesh(options, layout, ports, gatewayPort);
        try
        {
            await mesh.StartAllAsync(cancellationToken);
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Asks the control plane to stop (SIGTERM), killing it if it has not stopped within <paramref name="grace"/>.</summary>
    public Task StopControlPlaneAsync(TimeSpan grace) => _controlPlane?.StopAsync(grace) ?? Task.CompletedTask;

    /// <summary>Kills the control plane at once, as a crash would; the proxies keep their last config.</summary>
    public Task KillControlPlaneAsync() => _controlPlane?.KillAsync() ?? Task.CompletedTask;

    /// <summary>Starts the control plane again on the same ports and waits until it serves.</summary>
    public async Task StartControlPlaneAsync(CancellationToken cancellationToken = default)
    {
        // The mesh mints each proxy's bootstrap token with the secret the control plane's CA checks them with.
        _tokens ??= BootstrapToken.LoadOrCreate(CaDir);
        List<string> args =
        [
            "--config-dir", ConfigDir,
            "--ca-dir", CaDir,
            "--grpc-port", _grpcPort.ToString(),
            "--http-port", ControlPlaneUrl.Port.ToString(),
            "--listen", "127.0.0.1",
        ];
        if (_options.MeshConfigFile is { } meshConfig)
        {
            args.AddRange(["--mesh-config", Path.GetFullPath(meshConfig)]);
        }

        if (_options.WorkloadCertificateLifetime is { } lifetime)
        {
            args.AddRange(["--workload-cert-ttl-seconds", ((int)Math.Ceiling(lifetime.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
        }

        if (_options.ControlPlaneCertificateLifetime is { } servingLifetime)
        {
            args.AddRange(["--serving-cert-ttl-seconds", ((int)Math.Ceiling(servingLifetime.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
        }

        _controlPlane = Spawn("control-plane", "Mesh.ControlPlane", args, new Dictionary<string, string?>());
        using var deadline = Deadline(cancellationToken);
        await Readiness.WaitForHttpOkAsync(new Uri(ControlPlaneUrl, "/ready"), _controlPlane, deadline.Token, "the control plane to serve");
        _options.OnProgress($"control plane serving (discovery 127.0.0.1:{_grpcPort}, debug {ControlPlaneUrl})");
    }

    /// <summary>
    /// Restarts a workload's sidecar as a rolling update does: SIGTERM, wait for it to exit (it drains first), start
    /// it again and wait until it is ready. False when it had to be killed after <paramref name="grace"/>.
    /// </summary>
    public async Task<bool> RestartSidecarAsync(string workloadName, TimeSpan grace, CancellationToken cancellationToken = default)
    {
        var workload = Workloads.Single(w => w.Name == workloadName);
        var name = workload.Name + " sidecar";
        var stoppedByItself = await _processes.Last(p => p.Name == name).StopAsync(grace);
        var sidecar = StartSidecar(workload);
        using var deadline = Deadline(cancellationToken);
        await Readiness.WaitForHttpOkAsync(new Uri($"http://127.0.0.1:{workload.AdminPort}/ready"), sidecar, deadline.Token, $"{name} to apply its config again");
        return stoppedByItself;
    }

    /// <summary>The process id of a running program, by its name (as <see cref="RecentOutput"/>); null when there is none.</summary>
    public int? ProcessId(string name) => _processes.LastOrDefault(p => p.Name == name && !p.HasExited)?.Id;

    /// <summary>What a program printed last, by its name ("control-plane", "frontend-v1", "backend-v1 sidecar", ...).</summary>
    public string RecentOutput(string name) =>
        _processes.LastOrDefault(p => p.Name == name)?.RecentOutput() ?? $"(no program named {name})";

    public async ValueTask DisposeAsync()
    {
        // Gateway and sidecars first, so nothing is left routing to apps that are going away.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync(StopGrace);
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    private async Task StartAllAsync(CancellationToken cancellationToken)
    {
        var placeholders = new Dictionary<string, int> { ["gatewayPort"] = GatewayUrl.Port };
        foreach (var workload in Workloads)
        {
            placeholders[workload.InboundPlaceholder] = workload.InboundPort;
        }

        ConfigFiles = DemoConfig.Render(ConfigDir, placeholders);
        Directory.CreateDirectory(LogDir);
        PrometheusTargets.Write(PrometheusTargetsFile, MetricsEndpoints, new Uri(ControlPlaneUrl, "/metrics"));
        foreach (var (file, content) in _options.ConfigOverrides)
        {
            File.WriteAllText(Path.Combine(ConfigDir, file), DemoConfig.Fill(content, placeholders));
        }

        await StartControlPlaneAsync(cancellationToken);
        foreach (var workload in Workloads)
        {
            StartApp(workload);
        }

        var proxies = new List<(MeshProcess Process, int AdminPort)>();
        foreach (var workload in Workloads)
        {
            proxies.Add((StartSidecar(workload), workload.AdminPort));
        }

        proxies.Add((StartGateway(), _gatewayAdminPort));
        using var deadline = Deadline(cancellationToken);
        foreach (var (process, adminPort) in proxies)
        {
            await Readiness.WaitForHttpOkAsync(new Uri($"http://127.0.0.1:{adminPort}/ready"), process, deadline.Token, $"{process.Name} to apply its config");
            _options.OnProgress($"{process.Name} has its config");
        }

        // Every hop is up when a request through the gateway comes back from the frontend.
        await Readiness.WaitForHttpOkAsync(GatewayUrl, proxies[^1].Process, deadline.Token, "the gateway to route to the frontend");
        _options.OnProgress("a request through the gateway reached the frontend and a backend");
    }

    private void StartApp(LocalWorkload workload)
    {
        List<string> args = ["--service", workload.Service, "--version", workload.Version, "--namespace", Namespace, "--port", workload.AppPort.ToString()];
        if (workload.Upstream is not null)
        {
            args.AddRange(["--upstream", workload.Upstream]);
        }

        if (workload.Service == "backend" && _options.BackendFailPercent > 0)
        {
            args.AddRange(["--fail-percent", _options.BackendFailPercent.ToString()]);
        }

        // The app reaches the mesh through its sidecar's outbound listener, as its HTTP proxy.
        Spawn(workload.Name, "Mesh.SampleApp", args, new Dictionary<string, string?>
        {
            ["HTTP_PROXY"] = $"http://127.0.0.1:{workload.OutboundPort}",
        });
    }

    private MeshProcess StartSidecar(LocalWorkload workload) =>
        Spawn(workload.Name + " sidecar", "Mesh.Proxy",
        [
            "sidecar",
            "--workload", workload.Name,
            "--namespace", Namespace,
            "--discovery", $"https://127.0.0.1:{_grpcPort}",
            "--app", $"127.0.0.1:{workload.AppPort}",
            "--outbound-port", workload.OutboundPort.ToString(),
            "--admin-port", workload.AdminPort.ToString(),
            "--label", $"app={workload.Service}",
            "--label", $"version={workload.Version}",
            .. TelemetryArgs(1 + Workloads.ToList().IndexOf(workload)),
            .. IdentityArgs(),
        ], IdentityEnvironment(Namespace, workload.Service));

    private MeshProcess StartGateway() =>
        Spawn(GatewayName, "Mesh.Proxy",
        [
            "router",
            "--workload", GatewayName,
            "--namespace", "istio-system",
            "--discovery", $"https://127.0.0.1:{_grpcPort}",
            "--admin-port", _gatewayAdminPort.ToString(),
            "--label", "istio=ingressgateway",
            "--label", $"app={GatewayName}",
            .. TelemetryArgs(0),
            .. IdentityArgs(),
        ], GatewayEnvironment());

    private Dictionary<string, string?> GatewayEnvironment()
    {
        var environment = IdentityEnvironment("istio-system", GatewayServiceAccount);
        foreach (var (name, value) in _options.GatewayEnvironment)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The token in the environment, not on the command line, where every user of the machine could read it.</summary>
    private Dictionary<string, string?> IdentityEnvironment(string ns, string serviceAccount) => new()
    {
        ["MESH_CA_TOKEN"] = _tokens!.Create(new SpiffeId(SpiffeId.DefaultTrustDomain, ns, serviceAccount)),
    };

    /// <summary>Proxies verify the control plane with the CA's root bundle, as Istio's read the istio-ca-root-cert ConfigMap.</summary>
    private List<string> IdentityArgs() => _options.CertificateRenewFraction is { } fraction
        ? ["--ca-root-file", Path.Combine(CaDir, CertificateAuthorityFolder.RootCertFile), "--cert-renew-fraction", fraction.ToString(CultureInfo.InvariantCulture)]
        : ["--ca-root-file", Path.Combine(CaDir, CertificateAuthorityFolder.RootCertFile)];

    private Uri MetricsUri(int proxyIndex) => new($"http://127.0.0.1:{_metricsPorts[proxyIndex]}/stats/prometheus");

    private List<string> TelemetryArgs(int proxyIndex)
    {
        List<string> args =
        [
            "--metrics-port", _metricsPorts[proxyIndex].ToString(),
            "--access-log", _options.AccessLog,
            "--trace-sampling", _options.TraceSamplingPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        if (_options.OtlpEndpoint is { } otlp)
        {
            args.AddRange(["--otlp-endpoint", otlp.ToString().TrimEnd('/'), "--otlp-protocol", _options.OtlpProtocol]);
        }

        return args;
    }

    private MeshProcess Spawn(string name, string project, IEnumerable<string> args, Dictionary<string, string?> environment)
    {
        // Mesh programs never talk through a proxy of the machine's; only the apps use their sidecar as one.
        foreach (var variable in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy" })
        {
            environment.TryAdd(variable, null);
        }

        // Eight programs on one machine: one GC heap each, not one per core, unless the caller chose (loadtests/run.sh burst).
        environment["DOTNET_gcServer"] = Environment.GetEnvironmentVariable("DOTNET_gcServer") ?? "0";
        var logFile = Path.Combine(LogDir, name.Replace(' ', '-') + ".log");
        var program = project == "Mesh.Proxy" && _options.ProxyExecutable is { } executable ? executable : _layout.Binary(project);
        var process = MeshProcess.Start(name, program, args, environment, logFile, _options.OnOutputLine);
        _processes.Add(process);
        return process;
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartTimeout);
        return deadline;
    }
}
