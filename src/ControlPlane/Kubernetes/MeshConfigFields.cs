namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The one table of Istio MeshConfig fields this control plane acts on, and what each does here. Every other field
/// present in the <c>istio</c> ConfigMap is reported as having no effect (log, Warning event, <c>/debug/meshz</c>);
/// docs/kubernetes.md ("Mesh config") shows the same table.
/// </summary>
internal static class MeshConfigFields
{
    public const string DiscoveryAddress = "defaultConfig.discoveryAddress";
    public const string HoldApplicationUntilProxyStarts = "defaultConfig.holdApplicationUntilProxyStarts";
    public const string EnablePrometheusMerge = "enablePrometheusMerge";
    public const string TrustDomain = "trustDomain";
    public const string RootNamespace = "rootNamespace";
    public const string OutboundTrafficPolicyMode = "outboundTrafficPolicy.mode";
    public const string IngressClass = "ingressClass";
    public const string IngressControllerMode = "ingressControllerMode";
    public const string IngressSelector = "ingressSelector";
    public const string IngressService = "ingressService";

    /// <summary>Field path → what it changes. trustDomain and rootNamespace take effect only when they agree with the mesh's own.</summary>
    public static IReadOnlyDictionary<string, string> Implemented { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [DiscoveryAddress] = "the --discovery address (https://<address>) of proxies injected from now on",
        [HoldApplicationUntilProxyStarts] = "injected pods hold their application containers until the proxy is ready (a pod's proxy.istio.io/config annotation still wins)",
        [EnablePrometheusMerge] = "false: injected pods get no prometheus.io/* rewrite and no ISTIO_PROMETHEUS_ANNOTATIONS (a pod's prometheus.istio.io/merge-metrics annotation still wins)",
        [TrustDomain] = "must equal the CA's trust domain (fixed when the control plane starts); a different value is reported and has no effect",
        [RootNamespace] = "must be istio-system, the namespace whose policies apply mesh-wide; a different value is reported and has no effect",
        [OutboundTrafficPolicyMode] = "captured sidecars: a connection to an address and port no service declares goes to its original destination (ALLOW_ANY, the default) or is refused (REGISTRY_ONLY; an HTTP request for a host no service declares gets 502); pushed at once",
        [IngressClass] = "the kubernetes.io/ingress.class annotation value of the Ingresses the ingress gateway serves (default istio)",
        [IngressControllerMode] = "STRICT (default): Ingresses with that annotation or an IngressClass of controller istio.io/ingress-controller; DEFAULT: also Ingresses with no class; OFF: only by IngressClass",
        [IngressSelector] = "the gateway proxies serving Ingresses: label istio=<value> (default ingressgateway)",
        [IngressService] = "the gateway Service (system namespace) whose load balancer addresses are written to served Ingresses' status",
    };
}
