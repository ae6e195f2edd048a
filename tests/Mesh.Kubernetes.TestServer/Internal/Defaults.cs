using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// The defaults the real server fills on create that the mesh reads back: a namespace's name label and phase,
/// a pod's service account and phase, a service's type, cluster IP (allocated from 10.96.0.0/12) and port
/// protocol/targetPort, container port protocols, a deployment's replicas. Other defaults are not applied.
/// </summary>
internal sealed class Defaults
{
    private int _nextClusterIp = 1;

    public void OnCreate(ResourceType type, JsonObject obj)
    {
        switch (type.Key)
        {
            case "namespaces":
                var labels = Object(Object(obj, "metadata"), "labels");
                labels["kubernetes.io/metadata.name"] = obj["metadata"]!["name"]?.DeepClone();
                Object(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
                Object(obj, "status")["phase"] = "Active";
                break;
            case "pods":
                var spec = Object(obj, "spec");
                spec["serviceAccountName"] ??= "default";
                spec["serviceAccount"] ??= spec["serviceAccountName"]!.DeepClone();
                spec["restartPolicy"] ??= "Always";
                spec["dnsPolicy"] ??= "ClusterFirst";
                spec["schedulerName"] ??= "default-scheduler";
                PortProtocols(spec["containers"]);
                PortProtocols(spec["initContainers"]);
                Object(obj, "status")["phase"] ??= "Pending";
                break;
            case "services":
                Service(Object(obj, "spec"));
                break;
            case "deployments.apps" or "statefulsets.apps" or "replicasets.apps":
                Object(obj, "spec")["replicas"] ??= 1;
                break;
        }
    }

    /// <summary>Fills what an update left out that the real server keeps (a service's allocated cluster IP).</summary>
    public static void OnUpdate(ResourceType type, JsonObject obj, JsonObject old)
    {
        if (type.Key == "services" && obj["spec"] is JsonObject spec && old["spec"] is JsonObject oldSpec)
        {
            spec["clusterIP"] ??= oldSpec["clusterIP"]?.DeepClone();
            spec["clusterIPs"] ??= oldSpec["clusterIPs"]?.DeepClone();
            spec["type"] ??= "ClusterIP";
            ServicePorts(spec);
        }
    }

    private void Service(JsonObject spec)
    {
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        var type = spec["type"]!.GetValue<string>();
        if (type != "ExternalName" && spec["clusterIP"] is null)
        {
            var n = Interlocked.Increment(ref _nextClusterIp);
            spec["clusterIP"] = $"10.96.{n / 250 % 250}.{n % 250 + 1}";
        }
        if (spec["clusterIP"] is { } ip && spec["clusterIPs"] is null)
        {
            spec["clusterIPs"] = new JsonArray(ip.DeepClone());
        }
        if (type != "ExternalName")
        {
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }
        ServicePorts(spec);
    }

    private static void ServicePorts(JsonObject spec)
    {
        if (spec["ports"] is not JsonArray ports)
        {
            return;
        }
        foreach (var port in ports)
        {
            if (port is JsonObject p)
            {
                p["protocol"] ??= "TCP";
                p["targetPort"] ??= p["port"]?.DeepClone();
            }
        }
    }

    private static void PortProtocols(JsonNode? containers)
    {
        if (containers is not JsonArray list)
        {
            return;
        }
        foreach (var container in list)
        {
            if (container?["ports"] is JsonArray ports)
            {
                foreach (var port in ports)
                {
                    if (port is JsonObject p)
                    {
                        p["protocol"] ??= "TCP";
                    }
                }
            }
        }
    }

    private static JsonObject Object(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
        {
            return existing;
        }
        var created = new JsonObject();
        parent[name] = created;
        return created;
    }
}
