using Mesh.Istio.Observability;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of the Telemetry API onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class TelemetryParser
{
    internal static TelemetrySpec ParseTelemetrySpec(YamlMappingReader r) => new()
    {
        Selector = r.Object("selector", SecurityParser.ParseLabelSelector),
        TargetRef = r.Object("targetRef", SecurityParser.ParsePolicyTargetReference),
        TargetRefs = r.List("targetRefs", SecurityParser.ParsePolicyTargetReference),
        Tracing = r.List("tracing", ParseTracing),
        Metrics = r.List("metrics", ParseMetrics),
        AccessLogging = r.List("accessLogging", ParseAccessLogging),
    };

    private static TracingSettings ParseTracing(YamlMappingReader r) => new()
    {
        Match = r.Object("match", ParseWorkloadModeMatch),
        Providers = r.List("providers", ParseProvider),
        RandomSamplingPercentage = r.Double("randomSamplingPercentage"),
        DisableSpanReporting = r.Bool("disableSpanReporting"),
        CustomTags = r.Map("customTags", ParseCustomTag),
        UseRequestIdForTraceSampling = r.Bool("useRequestIdForTraceSampling"),
        EnableIstioTags = r.Bool("enableIstioTags"),
    };

    private static WorkloadModeMatch ParseWorkloadModeMatch(YamlMappingReader r) => new()
    {
        Mode = r.Enum("mode", IstioEnumNames.ParseWorkloadMode, IstioEnumNames.WorkloadModeValues) ?? WorkloadMode.ClientAndServer,
    };

    private static TelemetryProviderRef ParseProvider(YamlMappingReader r) => new() { Name = r.String("name") ?? "" };

    private static CustomTag ParseCustomTag(YamlMappingReader r) => new()
    {
        Literal = r.Object("literal", static r => new LiteralTag { Value = r.String("value") ?? "" }),
        Environment = r.Object("environment", static r => new EnvironmentTag { Name = r.String("name") ?? "", DefaultValue = r.String("defaultValue") ?? "" }),
        Header = r.Object("header", static r => new RequestHeaderTag { Name = r.String("name") ?? "", DefaultValue = r.String("defaultValue") ?? "" }),
    };

    private static MetricsSettings ParseMetrics(YamlMappingReader r) => new()
    {
        Providers = r.List("providers", ParseProvider),
        Overrides = r.List("overrides", ParseMetricsOverride),
        ReportingInterval = r.Duration("reportingInterval"),
    };

    private static MetricsOverride ParseMetricsOverride(YamlMappingReader r) => new()
    {
        Match = r.Object("match", ParseMetricSelector),
        Disabled = r.Bool("disabled"),
        TagOverrides = r.Map("tagOverrides", ParseTagOverride),
    };

    private static MetricSelector ParseMetricSelector(YamlMappingReader r) => new()
    {
        Metric = r.Enum("metric", IstioEnumNames.ParseIstioMetric, IstioEnumNames.IstioMetricValues),
        CustomMetric = r.String("customMetric"),
        Mode = r.Enum("mode", IstioEnumNames.ParseWorkloadMode, IstioEnumNames.WorkloadModeValues) ?? WorkloadMode.ClientAndServer,
    };

    private static TagOverride ParseTagOverride(YamlMappingReader r) => new()
    {
        Operation = r.Enum("operation", IstioEnumNames.ParseTagOperation, IstioEnumNames.TagOperationValues) ?? TagOperation.Upsert,
        Value = r.String("value"),
    };

    private static AccessLoggingSettings ParseAccessLogging(YamlMappingReader r) => new()
    {
        Match = r.Object("match", ParseWorkloadModeMatch),
        Providers = r.List("providers", ParseProvider),
        Disabled = r.Bool("disabled"),
        Filter = r.Object("filter", static r => new AccessLogFilter { Expression = r.String("expression") ?? "" }),
    };
}
