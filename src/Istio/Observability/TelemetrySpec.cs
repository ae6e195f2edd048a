namespace Mesh.Istio.Observability;

/// <summary>
/// The spec of a Telemetry: which workloads (none of selector and targetRefs: all of its namespace, or of the mesh in
/// the root namespace) and what they report. Field names are Istio's (telemetry.istio.io/v1).
/// </summary>
public sealed record TelemetrySpec
{
    public LabelSelector? Selector { get; init; }
    public PolicyTargetReference? TargetRef { get; init; }
    public IReadOnlyList<PolicyTargetReference> TargetRefs { get; init; } = [];
    public IReadOnlyList<TracingSettings> Tracing { get; init; } = [];
    public IReadOnlyList<MetricsSettings> Metrics { get; init; } = [];
    public IReadOnlyList<AccessLoggingSettings> AccessLogging { get; init; } = [];
}

/// <summary>The traffic a setting applies to: the workload as client (outbound, and gateways), as server (inbound), or both.</summary>
public enum WorkloadMode
{
    ClientAndServer,
    Client,
    Server,
}

/// <summary>Istio's <c>match</c> of tracing and access logging entries.</summary>
public sealed record WorkloadModeMatch
{
    public WorkloadMode Mode { get; init; }
}

/// <summary>A provider by name: one of meshConfig's extensionProviders, or a built-in one (envoy, prometheus).</summary>
public sealed record TelemetryProviderRef
{
    public string Name { get; init; } = "";
}

public sealed record TracingSettings
{
    public WorkloadModeMatch? Match { get; init; }
    public IReadOnlyList<TelemetryProviderRef> Providers { get; init; } = [];
    public double? RandomSamplingPercentage { get; init; }
    public bool? DisableSpanReporting { get; init; }
    public IReadOnlyDictionary<string, CustomTag> CustomTags { get; init; } = new Dictionary<string, CustomTag>();
    public bool? UseRequestIdForTraceSampling { get; init; }
    public bool? EnableIstioTags { get; init; }
}

/// <summary>A span tag whose value is a literal, an environment variable of the proxy, or a request header.</summary>
public sealed record CustomTag
{
    public LiteralTag? Literal { get; init; }
    public EnvironmentTag? Environment { get; init; }
    public RequestHeaderTag? Header { get; init; }
}

public sealed record LiteralTag
{
    public string Value { get; init; } = "";
}

public sealed record EnvironmentTag
{
    public string Name { get; init; } = "";
    public string DefaultValue { get; init; } = "";
}

public sealed record RequestHeaderTag
{
    public string Name { get; init; } = "";
    public string DefaultValue { get; init; } = "";
}

public sealed record MetricsSettings
{
    public IReadOnlyList<TelemetryProviderRef> Providers { get; init; } = [];
    public IReadOnlyList<MetricsOverride> Overrides { get; init; } = [];
    public TimeSpan? ReportingInterval { get; init; }
}

public sealed record MetricsOverride
{
    public MetricSelector? Match { get; init; }
    public bool? Disabled { get; init; }
    public IReadOnlyDictionary<string, TagOverride> TagOverrides { get; init; } = new Dictionary<string, TagOverride>();
}

public sealed record MetricSelector
{
    public IstioMetric? Metric { get; init; }
    public string? CustomMetric { get; init; }
    public WorkloadMode Mode { get; init; }
}

/// <summary>Istio's standard metrics, as Telemetry's metric selector names them.</summary>
public enum IstioMetric
{
    AllMetrics,
    RequestCount,
    RequestDuration,
    RequestSize,
    ResponseSize,
    TcpOpenedConnections,
    TcpClosedConnections,
    TcpSentBytes,
    TcpReceivedBytes,
    GrpcRequestMessages,
    GrpcResponseMessages,
}

public enum TagOperation
{
    Upsert,
    Remove,
}

public sealed record TagOverride
{
    public TagOperation Operation { get; init; }
    public string? Value { get; init; }
}

public sealed record AccessLoggingSettings
{
    public WorkloadModeMatch? Match { get; init; }
    public IReadOnlyList<TelemetryProviderRef> Providers { get; init; } = [];
    public bool? Disabled { get; init; }
    public AccessLogFilter? Filter { get; init; }
}

public sealed record AccessLogFilter
{
    public string Expression { get; init; } = "";
}
