using Mesh.Cel;
using Mesh.Istio.Loading;
using Mesh.Istio.Observability;

namespace Mesh.Istio.Validation;

/// <summary>
/// Istio's ValidateTelemetry: one way of targeting, provider names, the sampling percentage, custom tags and metric
/// overrides, with Istio's messages. Plus what this mesh does differently: access logs have one provider, the built-in
/// <c>envoy</c> (the proxy's stdout), and metrics one, <c>prometheus</c>, so naming another is a warning, as are a
/// filter outside the CEL subset and a tag UPSERT; the fields that take no effect at all are the analyzer's (MESH0001).
/// </summary>
internal static class TelemetryValidator
{
    /// <summary>The built-in access log provider: Envoy's file log on stdout in Istio, the proxy's access log here.</summary>
    public const string EnvoyProvider = "envoy";

    public static void Validate(TelemetrySpec spec, FieldProblems p)
    {
        CommonRules.PolicyTargets(spec.Selector, spec.TargetRef, spec.TargetRefs, p);

        if (spec.Tracing.Count > 1)
        {
            p.Warning("spec.tracing", "multiple tracing is not currently supported");
        }

        for (var i = 0; i < spec.Tracing.Count; i++)
        {
            Tracing(spec.Tracing[i], FieldPaths.Index("spec.tracing", i), p);
        }

        for (var i = 0; i < spec.Metrics.Count; i++)
        {
            Metrics(spec.Metrics[i], FieldPaths.Index("spec.metrics", i), p);
        }

        for (var i = 0; i < spec.AccessLogging.Count; i++)
        {
            var path = FieldPaths.Index("spec.accessLogging", i);
            var providers = spec.AccessLogging[i].Providers;
            Providers(providers, path, p);
            if (spec.AccessLogging[i].Filter is { } filter && !CelExpression.TryParse(filter.Expression, out _, out var error))
            {
                p.Warning(FieldPaths.Field(path, "filter.expression"),
                    $"\"{filter.Expression}\" is not an expression this mesh evaluates ({error}): the log is written unfiltered. "
                    + "Supported: Envoy's request, response, connection, source, destination and upstream attributes, request.headers['name'], "
                    + "comparisons, && || !, in, contains, startsWith, endsWith, matches");
            }
            for (var j = 0; j < providers.Count; j++)
            {
                if (providers[j].Name.Length > 0 && !IsEnvoy(providers[j].Name))
                {
                    p.Warning(FieldPaths.Field(FieldPaths.Index(FieldPaths.Field(path, "providers"), j), "name"),
                        $"provider \"{providers[j].Name}\" is not implemented by this mesh: access logs have one provider, \"{EnvoyProvider}\" (each proxy's stdout), so this provider writes nothing");
                }
            }
        }
    }

    /// <summary>The built-in metrics provider: each proxy's Prometheus endpoint.</summary>
    public const string PrometheusProvider = "prometheus";

    public static bool IsEnvoy(string provider) => string.Equals(provider, EnvoyProvider, StringComparison.OrdinalIgnoreCase);

    public static bool IsPrometheus(string provider) => string.Equals(provider, PrometheusProvider, StringComparison.OrdinalIgnoreCase);

    private static void Tracing(TracingSettings tracing, string path, FieldProblems p)
    {
        Providers(tracing.Providers, path, p);
        if (tracing.Providers.Count > 1)
        {
            p.Warning(FieldPaths.Field(path, "providers"), "multiple providers is not currently supported");
        }

        if (tracing.RandomSamplingPercentage is { } percentage && !(percentage is >= 0 and <= 100))
        {
            p.Error(FieldPaths.Field(path, "randomSamplingPercentage"), "randomSamplingPercentage must be in range [0.0, 100.0]");
        }

        foreach (var (name, tag) in tracing.CustomTags)
        {
            var tagPath = FieldPaths.Key(FieldPaths.Field(path, "customTags"), name);
            if (name.Length == 0) p.Error(tagPath, "tag name may not be empty");
            if (tag.Literal is null && tag.Environment is null && tag.Header is null) p.Error(tagPath, $"tag '{name}' may not have a nil value");
            if (tag.Literal is { Value.Length: 0 }) p.Error(FieldPaths.Field(tagPath, "literal.value"), "literal tag value may not be empty");
            if (tag.Header is { Name.Length: 0 }) p.Error(FieldPaths.Field(tagPath, "header.name"), "header tag name may not be empty");
            if (tag.Environment is { Name.Length: 0 }) p.Error(FieldPaths.Field(tagPath, "environment.name"), "environment tag name may not be empty");
        }
    }

    private static void Metrics(MetricsSettings metrics, string path, FieldProblems p)
    {
        Providers(metrics.Providers, path, p);
        for (var i = 0; i < metrics.Providers.Count; i++)
        {
            if (metrics.Providers[i].Name.Length > 0 && !IsPrometheus(metrics.Providers[i].Name))
            {
                p.Warning(FieldPaths.Field(FieldPaths.Index(FieldPaths.Field(path, "providers"), i), "name"),
                    $"provider \"{metrics.Providers[i].Name}\" is not implemented by this mesh: metrics have one provider, \"{PrometheusProvider}\" (each proxy's Prometheus endpoint), so this provider records nothing");
            }
        }

        for (var i = 0; i < metrics.Overrides.Count; i++)
        {
            var overridePath = FieldPaths.Index(FieldPaths.Field(path, "overrides"), i);
            var metricOverride = metrics.Overrides[i];
            if (metricOverride.Match?.CustomMetric is { Length: 0 })
            {
                p.Error(FieldPaths.Field(overridePath, "match.customMetric"), "customMetric may not be empty");
            }

            foreach (var (name, tag) in metricOverride.TagOverrides)
            {
                var tagPath = FieldPaths.Key(FieldPaths.Field(overridePath, "tagOverrides"), name);
                if (name.Length == 0) p.Warning(tagPath, "tagOverrides.name may not be empty");
                if (tag.Operation == TagOperation.Upsert && tag.Value is null) p.Error(tagPath, "tagOverrides.value must be set when operation is UPSERT");
                if (tag.Operation == TagOperation.Remove && tag.Value is not null) p.Error(tagPath, "tagOverrides.value may only be set when operation is UPSERT");
                if (tag.Operation == TagOperation.Upsert && tag.Value is not null)
                {
                    p.Warning(tagPath, $"UPSERT is not implemented by this mesh: the metrics keep Istio's standard labels, so '{name}' is neither added nor changed (REMOVE is implemented)");
                }
            }
        }
    }

    private static void Providers(IReadOnlyList<TelemetryProviderRef> providers, string path, FieldProblems p)
    {
        for (var i = 0; i < providers.Count; i++)
        {
            if (providers[i].Name.Length == 0)
            {
                p.Error(FieldPaths.Field(FieldPaths.Index(FieldPaths.Field(path, "providers"), i), "name"), "providers.name may not be empty");
            }
        }
    }
}
