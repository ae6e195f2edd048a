using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// Istio's <c>gateway</c> injection template (<c>inject.istio.io/templates: gateway</c>, as Istio's gateway Helm chart
/// and its gateway Deployments write it): the proxy in router mode as the pod's own container, with the sidecar's
/// environment, identity and volumes, and none of the sidecar's traffic capture or probe rewrite. As in Istio's
/// template, it sets no resources and only the proxy's user and group: the gateway's Deployment sets the rest.
/// </summary>
internal static class GatewayTemplate
{
    public const string Name = "gateway";

    /// <summary>What only the sidecar template reads: on a gateway they would have no effect, so they are warned of.</summary>
    private static readonly string[] SidecarOnlyAnnotations =
    [
        PodAnnotations.InterceptionMode, PodAnnotations.RewriteAppHttpProbers, PodAnnotations.NativeSidecar,
        PodAnnotations.ProxyCpu, PodAnnotations.ProxyMemory, PodAnnotations.ProxyCpuLimit, PodAnnotations.ProxyMemoryLimit,
        PodAnnotations.IncludeOutboundIpRanges, PodAnnotations.ExcludeOutboundIpRanges, PodAnnotations.IncludeInboundPorts,
        PodAnnotations.ExcludeInboundPorts, PodAnnotations.IncludeOutboundPorts, PodAnnotations.ExcludeOutboundPorts,
        PodAnnotations.KubevirtInterfaces, PodAnnotations.ExcludeInterfaces,
    ];

    public static V1Container Proxy(PodAnnotations options, InjectionSettings settings, WorkloadOwner owner, IList<V1Container> applications)
    {
        var arguments = SidecarTemplate.DiscoveryArguments("router", settings);
        SidecarTemplate.AddServingArguments(arguments, settings, options);
        return new V1Container
        {
            Name = SidecarTemplate.ProxyName,
            Image = options.Image,
            Command = [SidecarTemplate.ProxyCommand],
            Args = arguments,
            Env = SidecarTemplate.Environment(settings, owner, applications, options),
            Ports = [new V1ContainerPort { ContainerPort = ProxyPorts.Metrics, Name = "http-envoy-prom", Protocol = "TCP" }],
            ReadinessProbe = SidecarTemplate.ReadinessProbe(options),
            SecurityContext = new V1SecurityContext { RunAsUser = ProxyPorts.ProxyUid, RunAsGroup = ProxyPorts.ProxyUid },
            VolumeMounts = SidecarTemplate.VolumeMounts(),
        };
    }

    /// <summary>Warns of each annotation only the sidecar template reads.</summary>
    public static void WarnSidecarOnly(IDictionary<string, string>? annotations, ICollection<string> warnings)
    {
        foreach (var key in SidecarOnlyAnnotations)
        {
            if (annotations?.ContainsKey(key) == true)
            {
                warnings.Add($"{key} has no effect with the gateway template: a gateway captures no traffic, has no application's probes, and takes its resources from its own container");
            }
        }
    }
}
