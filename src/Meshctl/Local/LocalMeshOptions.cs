namespace Mesh.Meshctl.Local;

/// <summary>How to run a local mesh: where its files go, and what to change from the demo's defaults.</summary>
internal sealed record LocalMeshOptions
{
    /// <summary>The mesh writes config/ (the Istio YAML the control plane watches) under this folder.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The gateway's port; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>Makes both backend versions fail this share of requests with 503 (deterministically, evenly spread).</summary>
    public int BackendFailPercent { get; init; }

    /// <summary>Files to write into the config folder instead of (or beside) the demo's, same placeholders allowed.</summary>
    public IReadOnlyDictionary<string, string> ConfigOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives one line per start-up step done ("control plane serving", ...).</summary>
    public Action<string> OnProgress { get; init; } = static _ => { };

    /// <summary>Receives every output line of every program, with the program's name (all of it also goes to logs/).</summary>
    public Action<string, string> OnOutputLine { get; init; } = static (_, _) => { };

    /// <summary>
    /// An Istio MeshConfig YAML file the control plane reads and watches (<c>--mesh-config</c>): outboundTrafficPolicy,
    /// and the extensionProviders a Telemetry's tracing names. Null: Istio's defaults.
    /// </summary>
    public string? MeshConfigFile { get; init; }

    /// <summary>Where every proxy exports its spans over OTLP (e.g. http://127.0.0.1:4317); null exports none.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>OTLP transport: "grpc" or "http/protobuf".</summary>
    public string OtlpProtocol { get; init; } = "grpc";

    /// <summary>The share of new traces the proxies sample, 0 to 100 (Istio's default is 1).</summary>
    public double TraceSamplingPercent { get; init; } = 1.0;

    /// <summary>Access log lines from every proxy: "off", "text" or "json".</summary>
    public string AccessLog { get; init; } = "off";

    /// <summary>The lifetime of workload certificates the control plane issues; null keeps its default (24 h).</summary>
    public TimeSpan? WorkloadCertificateLifetime { get; init; }

    /// <summary>The lifetime of the control plane's own gRPC serving certificate; null keeps its default (24 h).</summary>
    public TimeSpan? ControlPlaneCertificateLifetime { get; init; }

    /// <summary>When proxies renew their certificate, as a share of its lifetime; null keeps theirs (0.8).</summary>
    public double? CertificateRenewFraction { get; init; }

    /// <summary>
    /// Run the programs built in this checkout (Release) instead of the one meshctl runs from: the load harness compares
    /// two builds this way. Null: this repository's own binaries.
    /// </summary>
    public string? BinariesFrom { get; init; }

    /// <summary>
    /// A native proxy executable to run in place of <c>dotnet Mesh.Proxy.dll</c> for every sidecar and the gateway: the
    /// proxy as the image ships it, compiled ahead of time (<c>dotnet publish src/Proxy -c Release
    /// --use-current-runtime -p:PublishAot=true</c>), so that the load harness measures what runs in pods. Null: the
    /// JIT'd build.
    /// </summary>
    public string? ProxyExecutable { get; init; }

    /// <summary>
    /// Environment variables for the gateway alone: what a pod's limits would set (DOTNET_GCHeapHardLimit is the heap
    /// limit .NET takes in a container with a memory limit, 75% of it).
    /// </summary>
    public IReadOnlyDictionary<string, string> GatewayEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>How long start-up may take before it is reported as failed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
