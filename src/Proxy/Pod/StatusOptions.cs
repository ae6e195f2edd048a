namespace Mesh.Proxy.Pod;

/// <summary>The status and readiness ports of a proxy in a pod, and what the pod's environment says they serve.</summary>
internal sealed record StatusOptions
{
    /// <summary>Istio's status port (15020 in pods): readiness, the application's probes, merged metrics; null: none.</summary>
    public int? StatusPort { get; init; }

    /// <summary>Istio's readiness port (15021 in pods): /healthz/ready only; null: none.</summary>
    public int? ReadinessPort { get; init; }

    /// <summary>The application's rewritten probes by status-port path ($ISTIO_KUBE_APP_PROBERS).</summary>
    public IReadOnlyDictionary<string, AppProbe> AppProbes { get; init; } = new Dictionary<string, AppProbe>();

    /// <summary>Where the application's own metrics are, merged into the status port's /stats/prometheus; null: ours only.</summary>
    public AppMetricsScrape? AppMetrics { get; init; }

    /// <summary>What the environment asked for that this proxy will not do, logged once the status server starts.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Enabled => StatusPort is not null || ReadinessPort is not null;
}
