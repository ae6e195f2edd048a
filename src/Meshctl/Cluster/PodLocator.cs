using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster;

/// <summary>Finds the pod to port-forward to: by label selector, or behind a Service (its selector, and its port's targetPort in the pod).</summary>
internal sealed class PodLocator(KubeApi api)
{
    /// <summary>A running pod matching the selector (the newest when several), or a <see cref="ClusterException"/> saying none is.</summary>
    public async Task<JsonObject> FindAsync(string ns, string labelSelector, CancellationToken cancellationToken)
    {
        var pods = (await api.GetAsync($"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods?labelSelector={Uri.EscapeDataString(labelSelector)}", cancellationToken))
            .EnsureOk($"list pods {labelSelector} in {ns}")["items"] as JsonArray ?? [];
        JsonObject? best = null;
        foreach (var pod in pods)
        {
            if (pod is JsonObject p && p["status"]?["phase"]?.ToString() == "Running" && p["metadata"]?["deletionTimestamp"] is null
                && (best is null || string.CompareOrdinal(p["metadata"]?["creationTimestamp"]?.ToString(), best["metadata"]?["creationTimestamp"]?.ToString()) > 0))
            {
                best = p;
            }
        }

        return best ?? throw new ClusterException(pods.Count == 0
            ? $"no pod in {ns} matches {labelSelector}"
            : $"no pod in {ns} matching {labelSelector} is Running ({pods.Count} found)");
    }

    /// <summary>The pod behind a Service and the container port its <paramref name="servicePort"/> leads to.</summary>
    public async Task<(string Pod, int Port)> FindBehindServiceAsync(string ns, string service, int servicePort, CancellationToken cancellationToken)
    {
        var svc = (await api.GetAsync($"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/services/{Uri.EscapeDataString(service)}", cancellationToken))
            .EnsureOk($"service {ns}/{service}");
        if (svc["spec"]?["selector"] is not JsonObject { Count: > 0 } selector)
        {
            throw new ClusterException($"service {ns}/{service} has no selector: no pod to forward to");
        }

        var pod = await FindAsync(ns, string.Join(',', selector.Select(p => $"{p.Key}={p.Value}")), cancellationToken);
        JsonNode? target = null;
        foreach (var port in svc["spec"]?["ports"] as JsonArray ?? [])
        {
            if (port?["port"]?.GetValue<int>() == servicePort)
            {
                target = port["targetPort"] ?? port["port"];
            }
        }

        if (target is null)
        {
            throw new ClusterException($"service {ns}/{service} has no port {servicePort}");
        }

        var name = pod["metadata"]!["name"]!.ToString();
        if (target.GetValueKind() == System.Text.Json.JsonValueKind.Number)
        {
            return (name, target.GetValue<int>());
        }

        // A named targetPort is the container port of that name.
        var wanted = target.ToString();
        foreach (var container in pod["spec"]?["containers"] as JsonArray ?? [])
        {
            foreach (var port in container?["ports"] as JsonArray ?? [])
            {
                if (port?["name"]?.ToString() == wanted)
                {
                    return (name, port["containerPort"]!.GetValue<int>());
                }
            }
        }

        throw new ClusterException($"pod {ns}/{name} has no container port named {wanted} (service {service}'s targetPort)");
    }
}
