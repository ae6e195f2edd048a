// Turns a workload's name, namespace and labels into the peer that Istio's metric labels describe.
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability;

/// <summary>Builds <see cref="WorkloadPeer"/>s with Istio's label conventions for app, version and the canonical service.</summary>
internal static class WorkloadPeers
{
    /// <summary>Istio's default cluster id, reported as source_cluster / destination_cluster.</summary>
    public const string DefaultClusterId = "Kubernetes";

    public const string TrustDomain = "cluster.local";

    public static WorkloadPeer From(string? workload, string? @namespace, IReadOnlyDictionary<string, string> labels, string? principal, string? cluster)
    {
        var app = Label(labels, "app") ?? Label(labels, "app.kubernetes.io/name");
        var version = Label(labels, "version") ?? Label(labels, "app.kubernetes.io/version");

        // Istio's canonical service defaults: the explicit label, else the app name, else the workload name; revision "latest".
        var canonicalService = Label(labels, "service.istio.io/canonical-name") ?? app ?? workload;
        var canonicalRevision = Label(labels, "service.istio.io/canonical-revision") ?? version ?? "latest";
        return new WorkloadPeer(workload, @namespace, principal, app, version, canonicalService, canonicalRevision, cluster ?? DefaultClusterId);
    }

    /// <summary>The SPIFFE id Istio gives a service account: <c>spiffe://cluster.local/ns/NS/sa/SA</c>; null when the account is unknown.</summary>
    public static string? SpiffeId(string? @namespace, string? serviceAccount) =>
        string.IsNullOrEmpty(serviceAccount) || string.IsNullOrEmpty(@namespace) ? null : $"spiffe://{TrustDomain}/ns/{@namespace}/sa/{serviceAccount}";

    private static string? Label(IReadOnlyDictionary<string, string> labels, string key) =>
        labels.TryGetValue(key, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
