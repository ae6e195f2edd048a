using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Kubernetes;

public sealed class MeshConfigParserTests
{
    [Fact]
    public void Parse_ImplementedAndOtherFields_ValuesReadAndEveryFieldPathListed()
    {
        var document = MeshConfigParser.Parse("""
            accessLogFile: /dev/stdout
            enablePrometheusMerge: false
            trustDomain: example.org
            rootNamespace: istio-system
            outboundTrafficPolicy:
              mode: REGISTRY_ONLY
            extensionProviders:
            - name: otel
              opentelemetry: {service: otel.observability.svc, port: 4317}
            defaultConfig:
              discoveryAddress: istiod-canary.istio-system.svc:15012
              holdApplicationUntilProxyStarts: true
              tracing:
              proxyMetadata:
                ISTIO_META_DNS_CAPTURE: "true"
            """);

        Assert.Equal("istiod-canary.istio-system.svc:15012", document.DiscoveryAddress);
        Assert.True(document.HoldApplicationUntilProxyStarts);
        Assert.False(document.EnablePrometheusMerge);
        Assert.Equal("example.org", document.TrustDomain);
        Assert.Equal("istio-system", document.RootNamespace);
        Assert.Equal(Mesh.ControlPlane.Model.OutboundTrafficPolicyMode.RegistryOnly, document.OutboundTrafficPolicy);
        Assert.Equal("/dev/stdout", document.AccessLogFile);
        Assert.Equal(new TracingProvider("opentelemetry", "http://otel.observability.svc:4317"), document.TracingProviders["otel"]);
        // A null value (tracing:) is unset, as in Istio; a list is one field.
        Assert.Equal(["accessLogFile", "enablePrometheusMerge", "trustDomain", "rootNamespace", "outboundTrafficPolicy.mode", "extensionProviders",
            "defaultConfig.discoveryAddress", "defaultConfig.holdApplicationUntilProxyStarts", "defaultConfig.proxyMetadata"], document.Fields);
        Assert.Equal([new("ISTIO_META_DNS_CAPTURE", "true")], document.ProxyMetadata!);
    }

    [Fact]
    public void Parse_ProxyDefaults_ConcurrencyAndDrainRead()
    {
        var document = MeshConfigParser.Parse("defaultConfig:\n  concurrency: 0\n  terminationDrainDuration: 1m30s\n");

        Assert.Equal((0, TimeSpan.FromSeconds(90)), (document.Concurrency, document.TerminationDrainDuration));
    }

    [Theory]
    [InlineData("concurrency: -2", "defaultConfig.concurrency")]
    [InlineData("concurrency: many", "defaultConfig.concurrency")]
    [InlineData("terminationDrainDuration: soon", "defaultConfig.terminationDrainDuration")]
    [InlineData("terminationDrainDuration: -5s", "defaultConfig.terminationDrainDuration")]
    [InlineData("proxyMetadata: [A]", "defaultConfig.proxyMetadata")]
    [InlineData("proxyMetadata: {\"A=B\": x}", "defaultConfig.proxyMetadata")]
    [InlineData("proxyMetadata: {A: [x]}", "defaultConfig.proxyMetadata.A")]
    public void Parse_BadProxyDefault_RefusedAtItsField(string field, string path)
    {
        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse($"defaultConfig:\n  {field}\n"));

        Assert.Equal(path, error.Path);
    }

    [Fact]
    public void Parse_OpenTelemetryProviders_NamespaceDroppedHttpPathKeptOtherSettingsNamed()
    {
        var document = MeshConfigParser.Parse("""
            extensionProviders:
            - name: jaeger
              opentelemetry: {service: observability/jaeger-collector.observability.svc.cluster.local, port: 4317}
            - name: otel-http
              opentelemetry:
                service: otel.observability.svc
                port: 4318
                http:
                  path: api/traces
                  timeout: 2s
                  headers:
                  - {name: x-api-key, value: "k1, k2"}
                  - {name: x-tenant, envName: TENANT}
                resourceDetectors: {environment: {}}
            - name: otel-http-default
              opentelemetry: {service: otel, port: 4318, http: {}}
            - name: zipkin
              zipkin: {service: zipkin.istio-system.svc, port: 9411}
            """);

        // Istio's [namespace/]host: the namespace only picks the registry's service; the host is where spans go.
        Assert.Equal(new TracingProvider("opentelemetry", "http://jaeger-collector.observability.svc.cluster.local:4317"), document.TracingProviders["jaeger"]);
        // A header's envName (newer Istio's: the value from istio-agent's environment) is named, and the header not sent.
        Assert.Equal(new TracingProvider("opentelemetry", "http://otel.observability.svc:4318/api/traces", OtlpOverHttp: true, "http.headers[1].envName, resourceDetectors",
            new OtlpHttpSettings(TimeSpan.FromSeconds(2), [new("x-api-key", "k1, k2")])), document.TracingProviders["otel-http"]);
        // Istio's default timeout for an HTTP provider is 3 s.
        Assert.Equal(new TracingProvider("opentelemetry", "http://otel:4318/v1/traces", OtlpOverHttp: true, Http: new OtlpHttpSettings(TimeSpan.FromSeconds(3), [])),
            document.TracingProviders["otel-http-default"]);
        Assert.Equal(new TracingProvider("zipkin", null), document.TracingProviders["zipkin"]);
    }

    [Theory]
    [InlineData("service: a/b/c, port: 4317", "extensionProviders[0].opentelemetry.service")]
    [InlineData("service: ns/, port: 4317", "extensionProviders[0].opentelemetry.service")]
    [InlineData("service: otel, port: 0", "extensionProviders[0].opentelemetry.port")]
    [InlineData("service: otel, port: 4318, http: [path]", "extensionProviders[0].opentelemetry.http")]
    [InlineData("service: otel, port: 4318, http: {timeout: soon}", "extensionProviders[0].opentelemetry.http.timeout")]
    [InlineData("service: otel, port: 4318, http: {headers: [{name: 'x api', value: v}]}", "extensionProviders[0].opentelemetry.http.headers[0].name")]
    [InlineData("service: otel, port: 4318, http: {headers: [{name: x-api, value: \"a\\nb\"}]}", "extensionProviders[0].opentelemetry.http.headers[0].value")]
    [InlineData("service: otel, port: 4318, http: {headers: {x-api: v}}", "extensionProviders[0].opentelemetry.http.headers")]
    [InlineData("service: otel, port: 4318, http: {headers: [{name: x-api}]}", "extensionProviders[0].opentelemetry.http.headers[0].value")]
    public void Parse_BadOpenTelemetryProvider_RefusedAtItsField(string settings, string path)
    {
        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse($"extensionProviders:\n- name: otel\n  opentelemetry: {{{settings}}}\n"));

        Assert.Equal(path, error.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("~")]
    public void Parse_NothingWritten_Defaults(string text)
    {
        var document = MeshConfigParser.Parse(text);

        Assert.Same(MeshConfigDocument.Empty, document);
    }

    [Theory]
    [InlineData("defaultConfig:\n  holdApplicationUntilProxyStarts: maybe\n", "defaultConfig.holdApplicationUntilProxyStarts", "Invalid value: \"maybe\": expected true or false")]
    [InlineData("enablePrometheusMerge: [true]\n", "enablePrometheusMerge", "expected a string")]
    [InlineData("defaultConfig:\n  discoveryAddress: istiod.istio-system.svc\n", "defaultConfig.discoveryAddress", "expected host:port")]
    [InlineData("defaultConfig:\n  discoveryAddress: istiod:99999\n", "defaultConfig.discoveryAddress", "expected host:port")]
    [InlineData("defaultConfig: [a]\n", "defaultConfig", "expected a mapping (ProxyConfig)")]
    [InlineData("outboundTrafficPolicy:\n  mode: DENY\n", "outboundTrafficPolicy.mode", "Invalid value: \"DENY\": expected ALLOW_ANY or REGISTRY_ONLY")]
    [InlineData("outboundTrafficPolicy: REGISTRY_ONLY\n", "outboundTrafficPolicy", "expected a mapping (OutboundTrafficPolicy)")]
    [InlineData("- a\n- b\n", "mesh", "expected a mapping of MeshConfig fields")]
    [InlineData("accessLogEncoding: YAML\n", "accessLogEncoding", "expected TEXT or JSON")]
    [InlineData("defaultConfig:\n  tracing:\n    sampling: 101\n", "defaultConfig.tracing.sampling", "expected a percentage from 0.0 to 100.0")]
    [InlineData("extensionProviders:\n- opentelemetry: {service: otel, port: 4317}\n", "extensionProviders[0].name", "Required value")]
    [InlineData("extensionProviders:\n- name: otel\n  opentelemetry: {service: otel}\n", "extensionProviders[0].opentelemetry.port", "Required value")]
    [InlineData("defaultProviders:\n  tracing: otel\n", "defaultProviders.tracing", "expected a list of provider names")]
    [InlineData("a: 1\n---\nb: 2\n", "mesh", "2 YAML documents")]
    [InlineData("defaultConfig:\n  discoveryAddress: [unclosed\n", "mesh (line ", "YAML syntax error")]
    public void Parse_BadValue_RefusedWithTheFieldPath(string text, string path, string reason)
    {
        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse(text));

        Assert.StartsWith(path, error.Path);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Parse_NestedBrackets_StoppedByTheDepthBoundNotTheStack()
    {
        var text = "a: " + new string('[', 100_000);

        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse(text));

        Assert.Contains("line 1", error.Path);
    }

    [Fact]
    public void Parse_OverOneMebibyte_RefusedBeforeParsing()
    {
        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse("a: " + new string('x', MeshConfigParser.MaxBytes)));

        Assert.Contains("over the 1048576", error.Reason);
    }

    [Theory]
    [InlineData("outboundTrafficPolicy:\n  mode: ALLOW_ANY\n", "AllowAny")]
    [InlineData("outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n  egressProxy: {host: egress}\n", "RegistryOnly")]
    [InlineData("outboundTrafficPolicy: {}\n", null)]
    public void Parse_OutboundTrafficPolicyMode_IstiosEnumNames(string text, string? expected)
    {
        Assert.Equal(expected, MeshConfigParser.Parse(text).OutboundTrafficPolicy?.ToString());
    }

    [Theory]
    [InlineData("default", "istio")]
    [InlineData("", "istio")]
    [InlineData("canary", "istio-canary")]
    public void ConfigMapName_Revision_IstiodsName(string revision, string expected) => Assert.Equal(expected, MeshConfigWatcher.ConfigMapName(revision));

    [Fact]
    public void Implemented_EveryParsedField_InTheTable()
    {
        Assert.Equal([MeshConfigFields.DiscoveryAddress, MeshConfigFields.HoldApplicationUntilProxyStarts, MeshConfigFields.Concurrency,
            MeshConfigFields.TerminationDrainDuration, MeshConfigFields.ProxyMetadata, MeshConfigFields.EnablePrometheusMerge,
            MeshConfigFields.TrustDomain, MeshConfigFields.RootNamespace, MeshConfigFields.AccessLogFile, MeshConfigFields.AccessLogEncoding,
            MeshConfigFields.EnableTracing, MeshConfigFields.TracingSampling, MeshConfigFields.ExtensionProviders, MeshConfigFields.DefaultTracingProviders,
            MeshConfigFields.OutboundTrafficPolicyMode, MeshConfigFields.IngressClass, MeshConfigFields.IngressControllerMode, MeshConfigFields.IngressSelector, MeshConfigFields.IngressService], MeshConfigFields.Implemented.Keys);
    }

    [Fact]
    public void Parse_IngressFields_ReadAndModeChecked()
    {
        var document = MeshConfigParser.Parse("ingressClass: mesh\ningressControllerMode: DEFAULT\ningressSelector: edge\ningressService: edge-gateway\n");

        Assert.Equal(("mesh", Mesh.ControlPlane.Model.IngressControllerMode.Default, "edge", "edge-gateway"),
            (document.IngressClass, document.IngressControllerMode, document.IngressSelector, document.IngressService));
        var error = Assert.Throws<MeshConfigException>(() => MeshConfigParser.Parse("ingressControllerMode: SOMETIMES\n"));
        Assert.Equal(MeshConfigFields.IngressControllerMode, error.Path);
    }
}
