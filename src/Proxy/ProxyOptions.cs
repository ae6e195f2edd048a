using Mesh.Contracts.Discovery;

namespace Mesh.Proxy;

/// <summary>What the command line says this proxy is: its mode, identity, control plane and local ports.</summary>
internal sealed record ProxyOptions(
    ProxyRole Role,
    string Workload,
    string Namespace,
    Uri Discovery,
    string? App,
    int OutboundPort,
    int AdminPort,
    string Bind,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Istio's Prometheus port (15090 from the command line); null serves /stats/prometheus on the admin port only.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>Access log lines to stdout: off unless asked for, as Istio's default.</summary>
    public Observability.AccessLog.AccessLogMode AccessLog { get; init; }

    /// <summary>The share of new traces (no upstream decision) sampled, 0 to 100.</summary>
    public double TraceSamplingPercent { get; init; } = Observability.Tracing.TraceSampler.DefaultPercent;

    /// <summary>Where spans go over OTLP; null exports none (and builds none).</summary>
    public Observability.Tracing.OtlpExport? Otlp { get; init; }

    /// <summary>How the proxy gets its workload certificate (none without a CA token).</summary>
    public Identity.IdentityOptions Identity { get; init; } = new();

    /// <summary>The connection cap and the deadlines every listener enforces.</summary>
    public Listeners.ListenerLimits Listeners { get; init; } = new();

    /// <summary>The heap budget the overload manager acts on.</summary>
    public Overload.OverloadOptions Overload { get; init; } = new();

    /// <summary>The status and readiness ports (a proxy in a pod), and the application's probes and metrics they serve.</summary>
    public Pod.StatusOptions Status { get; init; } = new();

    /// <summary>Where this proxy runs, "region/zone/subzone" (--locality); empty: unknown.</summary>
    public string Locality { get; init; } = "";

    /// <summary>
    /// A sidecar whose pod's traffic iptables captures (--inbound-capture-port): the port captured inbound connections
    /// arrive at (15006). 0: nothing is captured (local mode).
    /// </summary>
    public int InboundCapturePort { get; init; }

    public Node ToNode()
    {
        var node = new Node
        {
            Id = $"{(Role == ProxyRole.Sidecar ? "sidecar" : "router")}~{Workload}.{Namespace}",
            Role = Role,
            WorkloadName = Workload,
            Namespace = Namespace,
            AppAddress = App ?? string.Empty,
            OutboundPort = (uint)OutboundPort,
            BindAddress = Bind,
            Locality = Locality,
            InboundCapturePort = (uint)InboundCapturePort,
            ProxyVersion = typeof(ProxyOptions).Assembly.GetName().Version?.ToString() ?? "0",
        };
        foreach (var (key, value) in Labels)
        {
            node.Labels[key] = value;
        }

        node.ClientFeatures.Add(ClientFeatures.Incremental);
        return node;
    }
}
