namespace Mesh.Injection;

/// <summary>
/// What the sidecar template is filled in with: the values an Istio install puts in its injector's values.yaml
/// (hub/tag, caAddress, clusterName, trustDomain, meshID, revision, proxy resources, holdApplicationUntilProxyStarts).
/// The webhook and <c>meshctl kube-inject</c> take the same record, so the same input gives the same pod.
/// </summary>
public sealed record InjectionSettings
{
    /// <summary>The image of the proxy and of the capture init container (Istio's proxyv2 plays both parts too).</summary>
    public string ProxyImage { get; init; } = DefaultProxyImage;

    /// <summary>The tag scripts/image.sh builds and the docs load into kind and minikube.</summary>
    public const string DefaultProxyImage = "mesh:dev";

    /// <summary>The control plane's discovery and CA address (Istio's CA_ADDR, <c>istiod.istio-system.svc:15012</c>).</summary>
    public string DiscoveryAddress { get; init; } = "istiod.istio-system.svc:15012";

    /// <summary>ISTIO_META_CLUSTER_ID (Istio's values.global.multiCluster.clusterName, default "Kubernetes").</summary>
    public string ClusterId { get; init; } = "Kubernetes";

    /// <summary>TRUST_DOMAIN, and ISTIO_META_MESH_ID when <see cref="MeshId"/> is unset (as Istio's template does).</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>ISTIO_META_MESH_ID; null: the trust domain.</summary>
    public string? MeshId { get; init; }

    /// <summary>The control plane's istio.io/rev, written into the pod's <c>istio.io/rev</c> and status annotations.</summary>
    public string Revision { get; init; } = "default";

    /// <summary>
    /// The proxy as a Kubernetes native sidecar (an init container with <c>restartPolicy: Always</c>, Kubernetes 1.29+);
    /// a pod's <c>sidecar.istio.io/nativeSidecar</c> annotation overrides it either way.
    /// </summary>
    public bool NativeSidecars { get; init; } = true;

    /// <summary>Hold the application containers until the proxy is ready (a classic sidecar only; a native one always does).</summary>
    public bool HoldApplicationUntilProxyStarts { get; init; }

    /// <summary>ProxyConfig concurrency (meshConfig defaultConfig): the proxy's worker count; null or 0: one per core its CPU limit allows.</summary>
    public int? Concurrency { get; init; }

    /// <summary>ProxyConfig terminationDrainDuration (meshConfig defaultConfig); null: the proxy's default (5 s).</summary>
    public TimeSpan? TerminationDrainDuration { get; init; }

    /// <summary>ProxyConfig proxyMetadata (meshConfig defaultConfig): the proxy container's environment, under every ProxyConfig and the pod's annotation.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ProxyMetadata { get; init; } = [];

    /// <summary>Rewrite application probes through the proxy's status port (Istio's sidecarInjectorWebhook.rewriteAppHTTPProbe, default true).</summary>
    public bool RewriteAppProbes { get; init; } = true;

    /// <summary>Merge the application's Prometheus metrics into the proxy's (Istio's meshConfig.enablePrometheusMerge, default true).</summary>
    public bool EnablePrometheusMerge { get; init; } = true;

    /// <summary>The proxy's resource requests and limits (Istio's values.global.proxy.resources).</summary>
    public string ProxyCpuRequest { get; init; } = "100m";

    public string ProxyMemoryRequest { get; init; } = "128Mi";

    public string ProxyCpuLimit { get; init; } = "2";

    public string ProxyMemoryLimit { get; init; } = "1Gi";

    /// <summary>The proxy's access log (<c>--access-log</c>: <c>text</c> or <c>json</c>); null: off (Istio's meshConfig.accessLogFile unset).</summary>
    public string? AccessLog { get; init; }

    /// <summary>The percentage of requests the proxy traces (<c>--trace-sampling</c>); null: the proxy's default, 1 (Istio's too).</summary>
    public double? TraceSampling { get; init; }

    /// <summary>
    /// meshConfig.enableTracing: false gives injected proxies no tracer of their own (their sampling is 0), so a pod's
    /// own <c>tracing.sampling</c> has no effect, as in Istio.
    /// </summary>
    public bool TracingEnabled { get; init; } = true;

    /// <summary>Where the proxy sends its spans over OTLP/gRPC (<c>--otlp-endpoint</c>); null: nowhere.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>The control plane's own namespace: never injected, as Kubernetes' system namespaces are not.</summary>
    public string SystemNamespace { get; init; } = "istio-system";

    /// <summary>The mesh id the proxy reports: <see cref="MeshId"/> or, as Istio's template falls back, the trust domain.</summary>
    internal string EffectiveMeshId => string.IsNullOrEmpty(MeshId) ? TrustDomain : MeshId;
}
