using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.Istio.Observability;

namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>Telemetry through the loader: every field of telemetry.istio.io read, Istio's validation rules, and what the analyzer reports.</summary>
public sealed class TelemetryLoaderTests
{
    private const string Full = """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: everything, namespace: foo }
        spec:
          selector: { matchLabels: { app: reviews } }
          tracing:
          - match: { mode: SERVER }
            providers: [{ name: otel }]
            randomSamplingPercentage: 12.5
            disableSpanReporting: false
            useRequestIdForTraceSampling: true
            enableIstioTags: false
            customTags:
              cluster: { literal: { value: east } }
              pod: { environment: { name: POD_NAME, defaultValue: unknown } }
              tenant: { header: { name: x-tenant } }
          metrics:
          - providers: [{ name: prometheus }]
            reportingInterval: 15s
            overrides:
            - match: { metric: REQUEST_COUNT, mode: CLIENT }
              disabled: true
              tagOverrides:
                request_protocol: { operation: REMOVE }
                route: { value: request.path }
          accessLogging:
          - match: { mode: CLIENT_AND_SERVER }
            providers: [{ name: envoy }]
            disabled: false
            filter: { expression: "response.code >= 400" }
        """;

    [Theory]
    [InlineData("telemetry.istio.io/v1")]
    [InlineData("telemetry.istio.io/v1alpha1")]
    public void LoadText_EveryField_Read(string apiVersion)
    {
        var result = IstioConfigLoader.LoadText(Full.Replace("telemetry.istio.io/v1", apiVersion, StringComparison.Ordinal), "telemetry.yaml");

        Assert.Empty(result.Errors);
        // The one thing said of it: the UPSERT is not implemented.
        Assert.Equal("spec.metrics[0].overrides[0].tagOverrides[route]", Assert.Single(result.Warnings).FieldPath);
        var spec = Assert.IsType<Telemetry>(Assert.Single(result.Resources)).Spec;
        Assert.Equal("reviews", spec.Selector!.MatchLabels["app"]);
        var tracing = Assert.Single(spec.Tracing);
        Assert.Equal((WorkloadMode.Server, "otel", 12.5, false, true, false),
            (tracing.Match!.Mode, Assert.Single(tracing.Providers).Name, tracing.RandomSamplingPercentage, tracing.DisableSpanReporting, tracing.UseRequestIdForTraceSampling, tracing.EnableIstioTags));
        Assert.Equal("east", tracing.CustomTags["cluster"].Literal!.Value);
        Assert.Equal(new EnvironmentTag { Name = "POD_NAME", DefaultValue = "unknown" }, tracing.CustomTags["pod"].Environment);
        Assert.Equal("x-tenant", tracing.CustomTags["tenant"].Header!.Name);
        var metrics = Assert.Single(spec.Metrics);
        Assert.Equal(TimeSpan.FromSeconds(15), metrics.ReportingInterval);
        var metricOverride = Assert.Single(metrics.Overrides);
        Assert.Equal((IstioMetric.RequestCount, WorkloadMode.Client, true), (metricOverride.Match!.Metric, metricOverride.Match.Mode, metricOverride.Disabled));
        Assert.Equal(TagOperation.Remove, metricOverride.TagOverrides["request_protocol"].Operation);
        Assert.Equal(new TagOverride { Operation = TagOperation.Upsert, Value = "request.path" }, metricOverride.TagOverrides["route"]);
        var logging = Assert.Single(spec.AccessLogging);
        Assert.Equal((WorkloadMode.ClientAndServer, "envoy", false, "response.code >= 400"),
            (logging.Match!.Mode, Assert.Single(logging.Providers).Name, logging.Disabled, logging.Filter!.Expression));
    }

    [Fact]
    public void Analyze_FieldsWithoutEffect_EachReportedAtItsPath()
    {
        var result = IstioConfigLoader.LoadText(Full, "telemetry.yaml");

        var paths = MeshAnalyzer.Analyze(result.Resources).Where(m => m.Type.Code == "MESH0001").Select(m => m.FieldPath).ToHashSet();

        Assert.Contains("spec.metrics[0].reportingInterval", paths);
        // What takes effect is not reported: a tracing provider chooses where the spans go.
        Assert.DoesNotContain(paths, p => p.StartsWith("spec.tracing", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.StartsWith("spec.accessLogging", StringComparison.Ordinal));
        Assert.DoesNotContain("spec.metrics[0].overrides[0].disabled", paths);
    }

    [Theory]
    [InlineData("tracing: [{ randomSamplingPercentage: 101 }]", "spec.tracing[0].randomSamplingPercentage", "randomSamplingPercentage must be in range [0.0, 100.0]")]
    [InlineData("tracing: [{ providers: [{ name: '' }] }]", "spec.tracing[0].providers[0].name", "providers.name may not be empty")]
    [InlineData("tracing: [{ customTags: { team: {} } }]", "spec.tracing[0].customTags[team]", "tag 'team' may not have a nil value")]
    [InlineData("tracing: [{ customTags: { team: { literal: { value: '' } } } }]", "spec.tracing[0].customTags[team].literal.value", "literal tag value may not be empty")]
    [InlineData("tracing: [{ customTags: { team: { header: { name: '' } } } }]", "spec.tracing[0].customTags[team].header.name", "header tag name may not be empty")]
    [InlineData("tracing: [{ customTags: { team: { environment: { name: '' } } } }]", "spec.tracing[0].customTags[team].environment.name", "environment tag name may not be empty")]
    [InlineData("metrics: [{ overrides: [{ tagOverrides: { route: { operation: UPSERT } } }] }]", "spec.metrics[0].overrides[0].tagOverrides[route]", "tagOverrides.value must be set when operation is UPSERT")]
    [InlineData("metrics: [{ overrides: [{ tagOverrides: { route: { operation: REMOVE, value: x } } }] }]", "spec.metrics[0].overrides[0].tagOverrides[route]", "tagOverrides.value may only be set when operation is UPSERT")]
    [InlineData("metrics: [{ overrides: [{ match: { customMetric: '' } }] }]", "spec.metrics[0].overrides[0].match.customMetric", "customMetric may not be empty")]
    [InlineData("accessLogging: [{ match: { mode: BOTH } }]", "spec.accessLogging[0].match.mode", "Unsupported value: \"BOTH\"")]
    [InlineData("selector: { matchLabels: { app: a } }\n  targetRefs: [{ kind: Gateway, group: gateway.networking.k8s.io, name: g }]", "spec", "only one of targetRefs, targetRef or workloadSelector")]
    public void LoadText_Invalid_RejectedWithIstiosReason(string spec, string fieldPath, string reason)
    {
        var result = IstioConfigLoader.LoadText(Document(spec), "telemetry.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.FieldPath == fieldPath && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("accessLogging: [{ providers: [{ name: otel-als }] }]", "spec.accessLogging[0].providers[0].name", "provider \"otel-als\" is not implemented by this mesh")]
    [InlineData("accessLogging: [{ providers: [{ name: envoy }], filter: { expression: 'size(request.path) > 3' } }]", "spec.accessLogging[0].filter.expression", "is not an expression this mesh evaluates (at 1: function 'size' is not supported")]
    [InlineData("metrics: [{ overrides: [{ tagOverrides: { host: { value: request.host } } }] }]", "spec.metrics[0].overrides[0].tagOverrides[host]", "UPSERT is not implemented by this mesh")]
    [InlineData("metrics: [{ providers: [{ name: stackdriver }] }]", "spec.metrics[0].providers[0].name", "provider \"stackdriver\" is not implemented by this mesh")]
    [InlineData("tracing: [{ randomSamplingPercentage: 5 }, { disableSpanReporting: true }]", "spec.tracing", "multiple tracing is not currently supported")]
    [InlineData("tracing: [{ providers: [{ name: a }, { name: b }] }]", "spec.tracing[0].providers", "multiple providers is not currently supported")]
    public void LoadText_Questionable_LoadedWithAWarning(string spec, string fieldPath, string reason)
    {
        var result = IstioConfigLoader.LoadText(Document(spec), "telemetry.yaml");

        Assert.Single(result.Resources);
        Assert.Contains(result.Warnings, w => w.FieldPath == fieldPath && w.Reason.Contains(reason, StringComparison.Ordinal));
    }

    private static string Document(string spec) => $$"""
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: t, namespace: foo }
        spec:
          {{spec}}
        """;
}
