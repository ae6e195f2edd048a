namespace Mesh.Proxy.Observability.Metrics;

/// <summary>What Istio's labels say about one end of a request; a null or empty field is reported as <c>unknown</c>.</summary>
internal sealed record WorkloadPeer(
    string? Workload,
    string? Namespace,
    string? Principal = null,
    string? App = null,
    string? Version = null,
    string? CanonicalService = null,
    string? CanonicalRevision = null,
    string? Cluster = null)
{
    public static readonly WorkloadPeer Unknown = new(null, null);
}
