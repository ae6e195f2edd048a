namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The istio ConfigMap's <c>mesh</c> key, read: the fields this control plane acts on (null when absent) and the path
/// of every field written, so that the ones without effect can be named.
/// </summary>
internal sealed record MeshConfigDocument
{
    public static MeshConfigDocument Empty { get; } = new();

    public string? DiscoveryAddress { get; init; }

    public bool? HoldApplicationUntilProxyStarts { get; init; }

    public int? Concurrency { get; init; }

    public TimeSpan? TerminationDrainDuration { get; init; }

    /// <summary>defaultConfig.proxyMetadata: environment variables of injected proxies, in the order written; null when absent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? ProxyMetadata { get; init; }

    public bool? EnablePrometheusMerge { get; init; }

    public string? TrustDomain { get; init; }

    public string? RootNamespace { get; init; }

    public Model.OutboundTrafficPolicyMode? OutboundTrafficPolicy { get; init; }

    public string? AccessLogFile { get; init; }

    /// <summary>TEXT or JSON, upper case as Istio writes them.</summary>
    public string? AccessLogEncoding { get; init; }

    public bool? EnableTracing { get; init; }

    /// <summary>defaultConfig.tracing.sampling, a percentage from 0 to 100.</summary>
    public double? TracingSampling { get; init; }

    /// <summary>extensionProviders by name: an OTLP endpoint for an opentelemetry provider, null for any other kind.</summary>
    public IReadOnlyDictionary<string, Model.TracingProvider> TracingProviders { get; init; } = new Dictionary<string, Model.TracingProvider>();

    public IReadOnlyList<string> DefaultTracingProviders { get; init; } = [];

    public string? IngressClass { get; init; }

    public Model.IngressControllerMode? IngressControllerMode { get; init; }

    public string? IngressSelector { get; init; }

    public string? IngressService { get; init; }

    /// <summary>Every field with a value, as a dotted path to a scalar or a list ("outboundTrafficPolicy.mode", "extensionProviders").</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];
}
