namespace Mesh.Istio.Networking;

/// <summary>The spec of a Sidecar: the workloads it applies to, their egress listeners, ingress listeners and outbound policy.</summary>
public sealed record SidecarSpec
{
    /// <summary>The workloads of the Sidecar's namespace it applies to; null: every workload of the namespace.</summary>
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<IstioIngressListener> Ingress { get; init; } = [];
    public IReadOnlyList<IstioEgressListener> Egress { get; init; } = [];
    public OutboundTrafficPolicy? OutboundTrafficPolicy { get; init; }
    public ConnectionPoolSettings? InboundConnectionPool { get; init; }
}
