using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Telemetry resources through translation and the proxy's compiler: Istio's hierarchy (root namespace, the proxy's
/// namespace, the Telemetries selecting it), the client side on outbound and gateway listeners and the server side on
/// inbound ones, and Istio's merge of access log providers.
/// </summary>
public sealed class TelemetrySimulationTests
{
    private const string MeshAccessLog = """
        apiVersion: telemetry.istio.io/v1
        kind: Telemetry
        metadata: { name: mesh-default, namespace: istio-system }
        spec:
          accessLogging: [{ providers: [{ name: envoy }] }]
          tracing: [{ randomSamplingPercentage: 10 }]
        """;

    [Fact]
    public void NoTelemetry_ListenersCarryNone_SoTheProxysFlagsDecide()
    {
        var sidecar = Simulation.Sidecar("frontend-v1", "default", DemoYaml.Workloads);

        Assert.NotEmpty(sidecar.Resources.Listeners);
        Assert.All(sidecar.Resources.Listeners, l => Assert.Null(l.Telemetry));
    }

    [Fact]
    public void RootNamespaceTelemetry_AppliesToEveryProxy_BothSides()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, DemoYaml.IngressGateway, MeshAccessLog);
        var sidecar = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1"));
        var gateway = Simulation.Of(snapshot, TestNodes.Router("istio-ingressgateway", "default", DemoYaml.IngressLabels));

        Assert.Contains(sidecar.Resources.Listeners, l => l.Direction == TrafficDirection.Inbound);
        Assert.Contains(sidecar.Resources.Listeners, l => l.Direction == TrafficDirection.Outbound);
        foreach (var listener in sidecar.Resources.Listeners.Concat(gateway.Resources.Listeners))
        {
            Assert.Equal(TelemetrySwitch.On, listener.Telemetry.AccessLog);
            Assert.Equal(10, listener.Telemetry.TraceSamplingPercent);
        }
    }

    [Fact]
    public void NamespaceAndWorkloadLevels_OverrideTheMeshs_FieldByField()
    {
        // The namespace turns the mesh's envoy log off (an entry without providers acts on the parent's); backend
        // samples everything and reports no spans; frontend keeps the namespace's settings.
        var snapshot = Simulation.Load(DemoYaml.Workloads, MeshAccessLog, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: quiet, namespace: default }
            spec:
              accessLogging: [{ disabled: true }]
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-traces, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              tracing: [{ randomSamplingPercentage: 100, disableSpanReporting: true }]
            """);
        var backend = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Resources.Listeners;

        Assert.All(backend, l => Assert.Equal((TelemetrySwitch.Off, 100d, true), (l.Telemetry.AccessLog, l.Telemetry.TraceSamplingPercent, l.Telemetry.DisableSpanReporting)));
        Assert.All(frontend, l => Assert.Equal((TelemetrySwitch.Off, 10d, false), (l.Telemetry.AccessLog, l.Telemetry.TraceSamplingPercent, l.Telemetry.DisableSpanReporting)));
    }

    [Fact]
    public void TracingProviders_TheMostSpecificEntryNamingOneWins_ResolvedByTheMeshConfig()
    {
        // The mesh traces to jaeger (the first it names); backend's servers to otel-http (its entry without providers
        // keeps jaeger for its clients); frontend names a provider the mesh config does not define. Below, a namespace
        // Telemetry names zipkin, a provider of another kind.
        var resources = Simulation.LoadResources(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec: { tracing: [{ providers: [{ name: jaeger }, { name: otel-http }] }] }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-traces, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              tracing:
              - randomSamplingPercentage: 50
              - match: { mode: SERVER }
                providers: [{ name: otel-http }]
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: frontend-traces, namespace: default }
            spec:
              selector: { matchLabels: { app: frontend } }
              tracing: [{ providers: [{ name: lightstep }] }]
            """);
        var mesh = MeshSettings.Default with
        {
            TracingProviders = new TracingProviderTable(new Dictionary<string, TracingProvider>
            {
                ["jaeger"] = new("opentelemetry", "http://jaeger-collector.istio-system:4317"),
                ["otel-http"] = new("opentelemetry", "http://otel.observability:4318/v1/traces", OtlpOverHttp: true,
                    Http: new OtlpHttpSettings(TimeSpan.FromSeconds(3), [new("x-api-key", "k1"), new("x-tenant", "acme")])),
                ["zipkin"] = new("zipkin", null),
            }),
        };
        var snapshot = MeshSnapshotBuilder.Build(1, resources, mesh: mesh);
        var backend = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Resources.Listeners;

        var jaeger = new TraceProvider { Name = "jaeger", OtlpEndpoint = "http://jaeger-collector.istio-system:4317" };
        var otelHttp = new TraceProvider { Name = "otel-http", OtlpEndpoint = "http://otel.observability:4318/v1/traces", OtlpOverHttp = true, TimeoutMs = 3_000 };
        otelHttp.HttpHeaders.Add("x-api-key", "k1");
        otelHttp.HttpHeaders.Add("x-tenant", "acme");
        Assert.All(backend.Where(l => l.Direction == TrafficDirection.Inbound), l => Assert.Equal(otelHttp, l.Telemetry.TraceProvider));
        Assert.All(backend.Where(l => l.Direction == TrafficDirection.Outbound), l => Assert.Equal((jaeger, 50d), (l.Telemetry.TraceProvider, l.Telemetry.TraceSamplingPercent)));
        Assert.All(frontend, l => Assert.Equal(new TraceProvider { Name = "lightstep", Unavailable = "not defined in meshConfig extensionProviders" }, l.Telemetry.TraceProvider));

        var reports = MeshSnapshotBuilder.Build(1, Simulation.LoadResources(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: zipkin, namespace: default }
            spec: { tracing: [{ providers: [{ name: zipkin }] }] }
            """), mesh: mesh);
        Assert.All(Simulation.Of(reports, TestNodes.Sidecar("backend-v1")).Resources.Listeners, l => Assert.Equal(
            new TraceProvider { Name = "zipkin", Unavailable = "a zipkin provider: only opentelemetry tracing providers are implemented" }, l.Telemetry.TraceProvider));
    }

    [Fact]
    public void Provider_EnableTracingFalse_AProviderEntryWithoutAPercentageSamplesAtTheMeshDefault()
    {
        var resources = Simulation.LoadResources(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec: { tracing: [{ providers: [{ name: jaeger }] }] }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              tracing: [{ match: { mode: SERVER }, randomSamplingPercentage: 50 }]
            """);
        var mesh = MeshSettings.Default with
        {
            TracingProviders = new TracingProviderTable(new Dictionary<string, TracingProvider> { ["jaeger"] = new("opentelemetry", "http://jaeger:4317") }),
            ProviderSampling = 10,
        };

        var listeners = Simulation.Of(MeshSnapshotBuilder.Build(1, resources, mesh: mesh), TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var withoutOff = Simulation.Of(MeshSnapshotBuilder.Build(1, resources, mesh: mesh with { ProviderSampling = null }), TestNodes.Sidecar("backend-v1")).Resources.Listeners;

        // The mesh's default where no entry sets a percentage; an entry's own percentage still wins.
        Assert.All(listeners.Where(l => l.Direction == TrafficDirection.Outbound), l => Assert.Equal(10, l.Telemetry.TraceSamplingPercent));
        Assert.All(listeners.Where(l => l.Direction == TrafficDirection.Inbound), l => Assert.Equal(50, l.Telemetry.TraceSamplingPercent));
        // Tracing on: the proxy's own --trace-sampling, which injection set from the same field.
        Assert.All(withoutOff.Where(l => l.Direction == TrafficDirection.Outbound), l => Assert.False(l.Telemetry.HasTraceSamplingPercent));
    }

    [Fact]
    public void ModeMatch_ServerSettingsOnInboundListeners_ClientSettingsOnOutboundOnes()
    {
        var sidecar = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: sides, namespace: default }
            spec:
              accessLogging:
              - match: { mode: SERVER }
                providers: [{ name: envoy }]
              tracing:
              - match: { mode: CLIENT }
                customTags:
                  cluster: { literal: { value: kind-east } }
                  tenant: { header: { name: x-tenant, defaultValue: none } }
                enableIstioTags: false
            """);

        var inbound = sidecar.Resources.Listeners.Where(l => l.Direction == TrafficDirection.Inbound).ToList();
        var outbound = sidecar.Resources.Listeners.Where(l => l.Direction != TrafficDirection.Inbound).ToList();
        Assert.NotEmpty(inbound);
        Assert.NotEmpty(outbound);
        Assert.All(inbound, l => Assert.Equal((TelemetrySwitch.On, 0, false), (l.Telemetry.AccessLog, l.Telemetry.CustomTags.Count, l.Telemetry.DisableIstioTags)));
        foreach (var listener in outbound)
        {
            Assert.Equal(TelemetrySwitch.Unset, listener.Telemetry.AccessLog);
            Assert.True(listener.Telemetry.DisableIstioTags);
            Assert.Equal(
                [("cluster", SpanTagSource.Literal, "kind-east", ""), ("tenant", SpanTagSource.RequestHeader, "x-tenant", "none")],
                listener.Telemetry.CustomTags.Select(t => (t.Tag, t.Source, t.Value, t.DefaultValue)));
        }
    }

    [Fact]
    public void AccessLogProviders_OnlyEnvoyIsOurs_AnotherInScopeLeavesTheFlagInCharge()
    {
        // The namespace names a provider this mesh has not: envoy is no longer in scope, so Istio writes no envoy
        // log from the Telemetry API and falls back to meshConfig.accessLogFile, which is the proxy's --access-log.
        var sidecar = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, MeshAccessLog, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: otel-logs, namespace: default }
            spec:
              accessLogging: [{ providers: [{ name: otel-als }] }]
            """);

        Assert.All(sidecar.Resources.Listeners, l => Assert.Equal(TelemetrySwitch.Unset, l.Telemetry.AccessLog));
    }

    [Fact]
    public void SeveralWithoutSelectorInANamespace_TheFirstByNameCounts_AndASelectorElsewhereSelectsNothingHere()
    {
        var sidecar = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: a-first, namespace: default }
            spec: { tracing: [{ randomSamplingPercentage: 20 }] }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: b-second, namespace: default }
            spec: { tracing: [{ randomSamplingPercentage: 30 }] }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-elsewhere, namespace: other }
            spec:
              selector: { matchLabels: { app: backend } }
              tracing: [{ randomSamplingPercentage: 40 }]
            """);

        Assert.All(sidecar.Resources.Listeners, l => Assert.Equal(20, l.Telemetry.TraceSamplingPercent));
    }

    [Fact]
    public void MetricOverrides_DisableByMetricAndMode_AMoreSpecificLevelTurnsOneBackOn()
    {
        // The mesh turns every metric off on the server side and the request count on the client side; backend's
        // own Telemetry turns the server's request count back on.
        var snapshot = Simulation.Load(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec:
              metrics:
              - providers: [{ name: prometheus }]
                overrides:
                - match: { mode: SERVER }
                  disabled: true
                - match: { metric: REQUEST_COUNT, mode: CLIENT }
                  disabled: true
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-metrics, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              metrics:
              - overrides:
                - match: { metric: REQUEST_COUNT, mode: SERVER }
                  disabled: false
            """);
        var backend = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Resources.Listeners;

        IstioMetric[] allButRequestCount =
        [
            IstioMetric.RequestDuration, IstioMetric.RequestSize, IstioMetric.ResponseSize, IstioMetric.TcpOpenedConnections,
            IstioMetric.TcpClosedConnections, IstioMetric.TcpSentBytes, IstioMetric.TcpReceivedBytes,
        ];
        Assert.All(backend.Where(l => l.Direction == TrafficDirection.Inbound), l => Assert.Equal(allButRequestCount, l.Telemetry.DisabledMetrics));
        Assert.All(frontend.Where(l => l.Direction == TrafficDirection.Inbound), l => Assert.Equal([IstioMetric.RequestCount, .. allButRequestCount], l.Telemetry.DisabledMetrics));
        Assert.All(backend.Concat(frontend).Where(l => l.Direction != TrafficDirection.Inbound), l => Assert.Equal([IstioMetric.RequestCount], l.Telemetry.DisabledMetrics));
    }

    [Fact]
    public void MetricsProviderNotPrometheus_PrometheusOutOfScope_RecordsNothing()
    {
        var sidecar = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: stackdriver-only, namespace: default }
            spec:
              metrics: [{ providers: [{ name: stackdriver }] }]
            """);

        Assert.All(sidecar.Resources.Listeners, l => Assert.Equal(8, l.Telemetry.DisabledMetrics.Count));
    }

    [Fact]
    public void AccessLogFilter_FromTheLastEntryNamingEnvoy_OneTheProxiesCannotEvaluateIsLeftOut()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec:
              accessLogging:
              - providers: [{ name: envoy }]
                filter: { expression: "response.code >= 400" }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-logs, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              accessLogging:
              - match: { mode: SERVER }
                providers: [{ name: envoy }]
                filter: { expression: "size(request.path) > 3" }
            """);
        var backend = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Resources.Listeners;

        Assert.All(frontend, l => Assert.Equal((TelemetrySwitch.On, "response.code >= 400"), (l.Telemetry.AccessLog, l.Telemetry.AccessLogFilter)));
        Assert.All(backend.Where(l => l.Direction != TrafficDirection.Inbound), l => Assert.Equal("response.code >= 400", l.Telemetry.AccessLogFilter));
        // The backend's own entry names envoy for the server side, with a filter outside the subset: unfiltered.
        Assert.All(backend.Where(l => l.Direction == TrafficDirection.Inbound), l => Assert.Equal((TelemetrySwitch.On, ""), (l.Telemetry.AccessLog, l.Telemetry.AccessLogFilter)));
    }

    [Fact]
    public void TagOverrides_RemoveLeavesTheLabelOut_ALaterUpsertOfTheSameTagTakesItBack()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads, """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: mesh-default, namespace: istio-system }
            spec:
              metrics:
              - overrides:
                - tagOverrides:
                    destination_canonical_revision: { operation: REMOVE }
                    request_protocol: { operation: REMOVE }
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: { name: backend-metrics, namespace: default }
            spec:
              selector: { matchLabels: { app: backend } }
              metrics:
              - overrides:
                - match: { metric: REQUEST_COUNT, mode: SERVER }
                  tagOverrides:
                    request_protocol: { value: request.protocol }
            """);
        var backend = Simulation.Of(snapshot, TestNodes.Sidecar("backend-v1")).Resources.Listeners;
        var frontend = Simulation.Of(snapshot, TestNodes.Sidecar("frontend-v1")).Resources.Listeners;

        static string[] Removed(Listener listener, IstioMetric metric) =>
            [.. listener.Telemetry.RemovedMetricLabels.Single(r => r.Metric == metric).Labels];
        Assert.All(frontend, l => Assert.Equal(8, l.Telemetry.RemovedMetricLabels.Count));
        Assert.All(frontend, l => Assert.Equal(["destination_canonical_revision", "request_protocol"], Removed(l, IstioMetric.TcpSentBytes)));
        var inbound = backend.Where(l => l.Direction == TrafficDirection.Inbound).ToList();
        Assert.NotEmpty(inbound);
        Assert.All(inbound, l => Assert.Equal(["destination_canonical_revision"], Removed(l, IstioMetric.RequestCount)));
        Assert.All(inbound, l => Assert.Equal(["destination_canonical_revision", "request_protocol"], Removed(l, IstioMetric.RequestDuration)));
    }
}
