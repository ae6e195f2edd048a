using k8s.Models;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// What Istio reads from a Pod: its workload (a WorkloadModel named by the pod, at its IP), the workload name its
/// telemetry reports, its labels with the canonical service labels, its service account and its locality.
/// </summary>
internal static class PodWorkloads
{
    public const string CanonicalNameLabel = "service.istio.io/canonical-name";
    public const string CanonicalRevisionLabel = "service.istio.io/canonical-revision";
    public const string LocalityLabel = "istio-locality";
    public const string RegionLabel = "topology.kubernetes.io/region";
    public const string ZoneLabel = "topology.kubernetes.io/zone";
    public const string SubzoneLabel = "topology.istio.io/subzone";
    private const string LegacyRegionLabel = "failure-domain.beta.kubernetes.io/region";
    private const string LegacyZoneLabel = "failure-domain.beta.kubernetes.io/zone";
    private const string ProxyContainer = "istio-proxy";

    /// <summary>
    /// Istio keeps a pod while it has an IP and has not terminated: a pending pod already runs its sidecar (a native
    /// sidecar starts before the application), and a terminated one may have handed its IP to another pod.
    /// </summary>
    public static bool IsLive(V1Pod pod) =>
        !string.IsNullOrEmpty(pod.Status?.PodIP) && pod.Status.Phase is not ("Succeeded" or "Failed");

    /// <summary>The pod's own workload: the one its sidecar (<c>--workload $(POD_NAME)</c>) is found by.</summary>
    public static WorkloadModel ToWorkload(V1Pod pod, IReadOnlyDictionary<string, V1Node> nodes)
    {
        var ports = new Dictionary<string, uint>(StringComparer.Ordinal);
        var containerPorts = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            foreach (var port in container.Ports ?? [])
            {
                if (string.IsNullOrEmpty(port.Name) || port.ContainerPort <= 0) continue;
                containerPorts.TryAdd(port.Name, (uint)port.ContainerPort);
                // Istio's pod port map: named container ports, which ServiceEntry ports and endpoints refer to by name.
                // The sidecar's own ports (15090 metrics) are no ports of the application.
                if (container.Name != ProxyContainer) ports.TryAdd(port.Name, (uint)port.ContainerPort);
            }
        }
        return Endpoint(pod, pod.Status!.PodIP, ports, nodes) with { ContainerPorts = containerPorts };
    }

    /// <summary>A workload at <paramref name="address"/> that is this pod, serving <paramref name="ports"/>.</summary>
    public static WorkloadModel Endpoint(V1Pod pod, string address, IReadOnlyDictionary<string, uint> ports, IReadOnlyDictionary<string, V1Node> nodes)
    {
        var workloadName = WorkloadName(pod);
        return new WorkloadModel(
            pod.Metadata.Name,
            pod.Metadata.NamespaceProperty ?? "",
            address,
            ports,
            Labels(pod.Metadata.Labels, workloadName),
            string.IsNullOrEmpty(pod.Spec?.ServiceAccountName) ? "default" : pod.Spec.ServiceAccountName,
            Weight: 1,
            SourceFile: "",
            Locality: Locality(pod, nodes))
        {
            TelemetryName = workloadName,
        };
    }

    /// <summary>
    /// The workload name Istio reports for a pod (<c>destination_workload</c>, and what Kiali draws): the Deployment of a
    /// ReplicaSet-owned pod, the CronJob of a Job whose name ends in its schedule suffix, else the controller, else the pod.
    /// </summary>
    public static string WorkloadName(V1Pod pod)
    {
        V1OwnerReference? controller = null;
        foreach (var owner in pod.Metadata.OwnerReferences ?? [])
        {
            if (owner.Controller == true) { controller = owner; break; }
        }
        if (controller is null) return pod.Metadata.Name;
        if (controller.Kind == "ReplicaSet" && pod.Metadata.Labels?.TryGetValue("pod-template-hash", out var hash) == true
            && controller.Name.EndsWith("-" + hash, StringComparison.Ordinal))
        {
            return controller.Name[..^(hash.Length + 1)];
        }
        if (controller.Kind == "Job")
        {
            // A CronJob names its Jobs <cronjob>-<scheduled time in minutes>: Istio reports the CronJob.
            var hyphen = controller.Name.LastIndexOf('-');
            if (hyphen > 0 && controller.Name.Length - hyphen - 1 is >= 8 and <= 10 && IsDigits(controller.Name.AsSpan(hyphen + 1))) return controller.Name[..hyphen];
        }
        return controller.Name;
    }

    /// <summary>
    /// The pod's labels, with Istio's canonical service labels added where the pod lacks them (as Istio's injector adds
    /// them): the name from <c>app.kubernetes.io/name</c>, else <c>app</c>, else the workload name; the revision from
    /// <c>app.kubernetes.io/version</c>, else <c>version</c>, else <c>latest</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Labels(IDictionary<string, string>? podLabels, string workloadName)
    {
        var labels = podLabels is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(podLabels, StringComparer.Ordinal);
        if (!HasValue(labels, CanonicalNameLabel))
        {
            labels[CanonicalNameLabel] = First(labels, "app.kubernetes.io/name", "app") ?? workloadName;
        }
        if (!HasValue(labels, CanonicalRevisionLabel))
        {
            labels[CanonicalRevisionLabel] = First(labels, "app.kubernetes.io/version", "version") ?? "latest";
        }
        return labels;
    }

    /// <summary>
    /// Istio's pod locality, <c>region/zone/subzone</c>: the pod's <c>istio-locality</c> label (dots for slashes, as label
    /// values allow no slash) wins; else the topology labels of the node it runs on; empty when neither says.
    /// </summary>
    public static string Locality(V1Pod pod, IReadOnlyDictionary<string, V1Node> nodes)
    {
        if (pod.Metadata.Labels?.TryGetValue(LocalityLabel, out var label) == true && label.Length > 0) return label.Replace('.', '/');
        return NodeLocality(pod.Spec?.NodeName, nodes);
    }

    /// <summary>The locality of a node from its topology labels (the GA ones, else the deprecated failure-domain ones).</summary>
    public static string NodeLocality(string? nodeName, IReadOnlyDictionary<string, V1Node> nodes)
    {
        if (string.IsNullOrEmpty(nodeName) || !nodes.TryGetValue(nodeName, out var node) || node.Metadata.Labels is not { } labels) return "";
        var region = First(labels, RegionLabel, LegacyRegionLabel) ?? "";
        var zone = First(labels, ZoneLabel, LegacyZoneLabel) ?? "";
        var subzone = First(labels, SubzoneLabel, SubzoneLabel) ?? "";
        return region.Length == 0 && zone.Length == 0 && subzone.Length == 0 ? "" : $"{region}/{zone}/{subzone}";
    }

    private static bool HasValue(IDictionary<string, string> labels, string key) => labels.TryGetValue(key, out var value) && value.Length > 0;

    private static string? First(IDictionary<string, string> labels, string key, string fallback) =>
        labels.TryGetValue(key, out var value) && value.Length > 0 ? value
        : labels.TryGetValue(fallback, out value) && value.Length > 0 ? value : null;

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
        }
        return true;
    }
}
