namespace Mesh.DiscoverySimulator;

/// <summary>What one simulation run generates, connects and waits for.</summary>
internal sealed record SimulationOptions
{
    /// <summary>Simulated proxies: one discovery stream (and one connection) each.</summary>
    public int Proxies { get; init; } = 100;

    /// <summary>Services in the generated mesh, each with a ServiceEntry, workloads and a VirtualService.</summary>
    public int Services { get; init; } = 1000;

    /// <summary>Namespaces the services spread over; 0: one per 100 services.</summary>
    public int Namespaces { get; init; }

    /// <summary>VirtualServices exported to their own namespace only (<c>exportTo: ["."]</c>): a change then concerns one namespace's proxies.</summary>
    public bool ExportToOwnNamespace { get; init; }

    /// <summary>
    /// A <c>Sidecar</c> per namespace whose egress hosts are that namespace's ("./*"). Needs the control plane's
    /// Sidecar translation: without it, the resources are accepted but scope nothing.
    /// </summary>
    public bool SidecarEgress { get; init; }

    /// <summary>
    /// Proxies whose traffic iptables captures, as every injected sidecar on Kubernetes: each then has a capture port,
    /// hand-off listeners for the ports it reaches, and virtual hosts that answer to the services' addresses, so each
    /// service gets an address, as a Service's cluster IP.
    /// </summary>
    public bool Captured { get; init; }

    /// <summary>
    /// What each change rewrites: service 0's VirtualService (a route timeout: routes, and listeners where they read
    /// it), its DestinationRule (a connection pool: clusters and endpoints), its workloads (one more WorkloadEntry per
    /// change, as a Deployment scaling up: endpoints, as istiod's incremental EDS), or a mesh-wide AuthorizationPolicy
    /// (every proxy's listeners).
    /// </summary>
    public ChangeKind Change { get; init; } = ChangeKind.VirtualService;

    /// <summary>How long each phase (all connected and configured; the change ACKed) may take before the run reports what is missing.</summary>
    public TimeSpan PhaseDeadline { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The control plane's debounce (its --debounce-ms): part of every change's convergence time.</summary>
    public int DebounceMilliseconds { get; init; } = 100;

    /// <summary>Changes made one after another: the first runs cold code in the control plane, the later ones show it warm.</summary>
    public int Changes { get; init; } = 3;

    /// <summary>Streams opened at once while connecting, so the handshakes do not all land in the same instant.</summary>
    public int ConnectConcurrency { get; init; } = 50;

    /// <summary>
    /// Environment variables for the control plane's process alone (<c>--control-plane-env NAME=VALUE</c>), such as a
    /// runtime setting under measurement (<c>DOTNET_GCGen0MaxBudget</c>): set in the simulator's own environment they
    /// would change the simulator too, which shares the machine's cores.
    /// </summary>
    public IReadOnlyDictionary<string, string> ControlPlaneEnvironment { get; init; } = new Dictionary<string, string>();
}

/// <summary>The resource a simulated change rewrites.</summary>
internal enum ChangeKind
{
    VirtualService,
    DestinationRule,
    Endpoints,
    AuthorizationPolicy,
}
