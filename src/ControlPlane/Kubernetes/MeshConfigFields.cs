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
    public const string Concurrency = "defaultConfig.concurrency";
    public const string TerminationDrainDuration = "defaultConfig.terminationDrainDuration";
    public const string ProxyMetadata = "defaultConfig.proxyMetadata";
    public const string EnablePrometheusMerge = "enablePrometheusMerge";
    public const string TrustDomain = "trustDomain";
    public const string RootNamespace = "rootNamespace";
    public const string OutboundTrafficPolicyMode = "outboundTrafficPolicy.mode";
    public const string AccessLogFile = "accessLogFile";
    public const string AccessLogEncoding = "accessLogEncoding";
    public const string EnableTracing = "enableTracing";
    public const string TracingSampling = "defaultConfig.tracing.sampling";
    public const string ExtensionProviders = "extensionProviders";
    public const string DefaultTracingProviders = "defaultProviders.tracing";
    public const string IngressClass = "ingressClass";
    public const string IngressControllerMode = "ingressControllerMode";
    public const string IngressSelector = "ingressSelector";
    public const string IngressService = "ingressService";

    /// <summary>Field path → what it changes. trustDomain and rootNamespace take effect only when they agree with the mesh's own.</summary>
    public static IReadOnlyDictionary<string, string> Implemented { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [DiscoveryAddress] = "the --discovery address (https://<address>) of proxies injected from now on",
        [HoldApplicationUntilProxyStarts] = "injected pods hold their application containers until the proxy is ready (a pod's proxy.istio.io/config annotation still wins)",
        [Concurrency] = "the worker count of proxies injected from now on (DOTNET_PROCESSOR_COUNT; 0: one per core their CPU limit allows; a pod's proxy.istio.io/config annotation still wins)",
        [TerminationDrainDuration] = "how long proxies injected from now on drain on SIGTERM (--termination-drain-duration; a pod's proxy.istio.io/config annotation still wins)",
        [ProxyMetadata] = "environment variables of proxies injected from now on (a ProxyConfig's environmentVariables and a pod's proxyMetadata still win, name by name); one the proxy does not read is reported",
        [EnablePrometheusMerge] = "false: injected pods get no prometheus.io/* rewrite and no ISTIO_PROMETHEUS_ANNOTATIONS (a pod's prometheus.istio.io/merge-metrics annotation still wins)",
        [TrustDomain] = "must equal the CA's trust domain (fixed when the control plane starts); a different value is reported and has no effect",
        [RootNamespace] = "must be istio-system, the namespace whose policies apply mesh-wide; a different value is reported and has no effect",
        [AccessLogFile] = "/dev/stdout: proxies injected from now on write an access line per request and per TCP connection to their stdout (any other path is reported and leaves the log off)",
        [AccessLogEncoding] = "TEXT (the default) or JSON: the format of that access log",
        [EnableTracing] = "false: proxies injected from now on trace nothing of their own; a Telemetry naming a tracing provider still traces its proxies",
        [TracingSampling] = "the percentage of requests proxies injected from now on trace (0 to 100; Istio's default 1); with enableTracing false, the percentage a Telemetry naming a tracing provider without its own samples at, pushed at once",
        [ExtensionProviders] = "its opentelemetry providers: where a Telemetry's tracing provider sends the spans of the proxies it applies to (OTLP/gRPC to service:port, or OTLP/HTTP with http.path), with http.headers and http.timeout for OTLP/HTTP, pushed at once; and where injected proxies send spans when defaultProviders.tracing names one",
        [DefaultTracingProviders] = "the extensionProviders entry injected proxies trace to; only an opentelemetry provider is implemented",
        [OutboundTrafficPolicyMode] = "captured sidecars: a connection to an address and port no service declares goes to its original destination (ALLOW_ANY, the default) or is refused (REGISTRY_ONLY; an HTTP request for a host no service declares gets 502); pushed at once",
        [IngressClass] = "the kubernetes.io/ingress.class annotation value of the Ingresses the ingress gateway serves (default istio)",
        [IngressControllerMode] = "STRICT (default): Ingresses with that annotation or an IngressClass of controller istio.io/ingress-controller; DEFAULT: also Ingresses with no class; OFF: only by IngressClass",
        [IngressSelector] = "the gateway proxies serving Ingresses: label istio=<value> (default ingressgateway)",
        [IngressService] = "the gateway Service (system namespace) whose load balancer addresses are written to served Ingresses' status",
    };
}
