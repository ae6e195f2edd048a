using Mesh.Istio;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// The services and workload instances a platform registers beside the Istio resources: on Kubernetes, one service per
/// Service (its host <c>name.namespace.svc.&lt;domain&gt;</c>) with its endpoints from EndpointSlices, and one workload per
/// Pod. The model takes them as it takes ServiceEntries and WorkloadEntries, so translation and push have one path.
/// </summary>
/// <param name="Services">Sorted by host name.</param>
/// <param name="Workloads">Every known pod, by namespace then name: the proxies' own workloads (labels, service account, locality).</param>
/// <param name="Keys">
/// The key of each service (<c>Service ns/name</c>) and workload (<c>Pod ns/name</c>), with a hash of what the model
/// takes from it: a change reports exactly the keys whose hash changed, so a push reaches only the proxies that depend on them.
/// </param>
internal sealed record PlatformRegistry(
    IReadOnlyList<ServiceModel> Services,
    IReadOnlyList<WorkloadModel> Workloads,
    IReadOnlyDictionary<ConfigKey, string> Keys)
{
    public const string ServiceKind = "Service";
    public const string PodKind = "Pod";

    public static readonly PlatformRegistry Empty = new([], [], new Dictionary<ConfigKey, string>());

    /// <summary>The services' host names: destinations the analyzer takes as existing, as it takes ServiceEntry hosts.</summary>
    public IReadOnlySet<string> Hosts()
    {
        var hosts = new HashSet<string>(Services.Count, StringComparer.Ordinal);
        foreach (var service in Services) hosts.Add(service.Hostname);
        return hosts;
    }
}
