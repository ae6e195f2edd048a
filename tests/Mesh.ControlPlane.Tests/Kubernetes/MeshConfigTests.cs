using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.Injection;
using Mesh.Kubernetes.Tests;
using Mesh.Kubernetes.TestServer;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// The control plane started with a kubeconfig of the test API server reads the istio ConfigMap's mesh config; the
/// ConfigMap is written with real kubectl, and what changes is seen where the user sees it: the /inject answer, the
/// log, /debug/meshz and the ConfigMap's events.
/// </summary>
public sealed class MeshConfigTests : IAsyncLifetime
{
    private const string CanaryAddress = "istiod-canary.istio-system.svc:15012";

    private readonly LogCapture _logs = new();
    private readonly TempDirectory _dir = new();
    private readonly TempDirectory _config = new();
    private TestApiServer _server = null!;
    private IKubernetes _client = null!;
    private Kubectl _kubectl = null!;
    private ControlPlaneServer _controlPlane = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _client = new k8s.Kubernetes(_server.ClientConfiguration());
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "istio-system" } });
        var kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir.Path, "kubeconfig"));
        _kubectl = new Kubectl(kubeconfig, Path.Combine(_dir.Path, "cache"));
        _controlPlane = ControlPlaneServer.Create(new ControlPlaneOptions
        {
            ConfigDirectory = _config.Path,
            GrpcPort = 0,
            HttpPort = 0,
            Kubernetes = new KubernetesOptions { KubeconfigPath = kubeconfig },
        }, TimeProvider.System, logging => logging.AddProvider(_logs));
        _http = new HttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _controlPlane.DisposeAsync();
        _client.Dispose();
        await _server.DisposeAsync();
        _config.Dispose();
        _dir.Dispose();
    }

    private MeshConfigWatcher MeshConfig => _controlPlane.MeshConfig!;

    [SkippableFact]
    public async Task KubectlApply_DiscoveryAddressAndHold_InjectAnswersWithThemAndAnEditTakesEffectWithoutRestart()
    {
        Kubectl.SkipUnlessInstalled();
        var handler = new AdmissionHandler(() => MeshConfig.Injector);
        await _controlPlane.StartAsync();
        await WaitForLogAsync(475, "istio-system/istio does not exist");
        var before = InjectedPatch(handler);
        Assert.Contains("https://istiod.istio-system.svc:15012", before);
        Assert.DoesNotContain("\"wait\"", before);

        await _kubectl.SucceedWithInputAsync(IstioConfigMap($"""
            defaultConfig:
              discoveryAddress: {CanaryAddress}
              holdApplicationUntilProxyStarts: true
            """), "apply", "-f", "-");
        await Eventually.TrueAsync(() => MeshConfig.Injector.Settings.DiscoveryAddress == CanaryAddress, "the ConfigMap's discoveryAddress in effect");
        var applied = InjectedPatch(handler);

        await _kubectl.SucceedWithInputAsync(IstioConfigMap("""
            defaultConfig:
              holdApplicationUntilProxyStarts: false
            """), "apply", "-f", "-");
        await Eventually.TrueAsync(() => MeshConfig.Injector.Settings.DiscoveryAddress != CanaryAddress, "the edit in effect");
        var edited = InjectedPatch(handler);

        Assert.Contains("https://" + CanaryAddress, applied);
        // A classic sidecar held: kubelet waits on the proxy's postStart hook before the application starts.
        Assert.Contains("\"mesh-proxy\",\"wait\",\"--readiness-port\",\"15021\"", applied);
        Assert.Contains("https://istiod.istio-system.svc:15012", edited);
        Assert.DoesNotContain("\"wait\"", edited);
        Assert.Contains(_logs.Lines, line => line.EventId == 470 && line.Message.Contains($"discoveryAddress {CanaryAddress}, holdApplicationUntilProxyStarts True"));
        Assert.DoesNotContain(_logs.Lines, line => line.EventId == 472);
    }

    [SkippableFact]
    public async Task KubectlApply_FieldsWithoutEffect_NamedInTheLogTheEventsAndMeshz()
    {
        Kubectl.SkipUnlessInstalled();
        await _controlPlane.StartAsync();

        await _kubectl.SucceedWithInputAsync(IstioConfigMap("""
            accessLogFile: /var/log/istio-proxy.log
            enablePrometheusMerge: false
            trustDomain: example.org
            rootNamespace: mesh-root
            outboundTrafficPolicy:
              mode: REGISTRY_ONLY
            """, """
            networks:
              network1:
                gateways: [{address: 192.0.2.1, port: 15443}]
            """), "apply", "-f", "-");
        await WaitForLogAsync(472, "meshConfig fields with no effect in this mesh: accessLogFile, trustDomain, rootNamespace, meshNetworks.networks.network1.gateways");
        await MeshConfig.PendingEvents;
        var meshz = JsonNode.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_controlPlane.HttpPort}/debug/meshz"))!;

        var trustDomain = Assert.Single(_logs.Lines, line => line.EventId == 473).Message;
        Assert.Contains("meshConfig trustDomain \"example.org\" differs from the CA's trust domain \"cluster.local\": the mesh keeps \"cluster.local\"", trustDomain);
        Assert.Contains(_logs.Lines, line => line.EventId == 474 && line.Message.Contains("meshConfig rootNamespace \"mesh-root\" has no effect"));
        Assert.False(MeshConfig.Injector.Settings.EnablePrometheusMerge);
        var events = _server.Events.Where(e => e.InvolvedKind == "ConfigMap" && e.InvolvedName == "istio" && e.InvolvedNamespace == "istio-system").ToList();
        Assert.Contains(events, e => e.Type == "Warning" && e.Reason == MeshConfigWatcher.WithoutEffectReason
            && e.Message.Contains("accessLogFile, trustDomain, rootNamespace, meshNetworks.networks.network1.gateways"));
        Assert.Contains(events, e => e.Reason == MeshConfigWatcher.TrustDomainReason && e.Message.Contains("set trustDomain to \"cluster.local\" or remove it"));
        Assert.Equal("istio-system/istio", meshz["source"]!.GetValue<string>());
        Assert.Equal(_client.CoreV1.ReadNamespacedConfigMap("istio", "istio-system").Metadata.ResourceVersion, meshz["resourceVersion"]!.GetValue<string>());
        Assert.False(meshz["meshConfig"]!["enablePrometheusMerge"]!.GetValue<bool>());
        Assert.Equal(["enablePrometheusMerge", "outboundTrafficPolicy.mode"], meshz["fieldsInEffect"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(["accessLogFile", "trustDomain", "rootNamespace", "meshNetworks.networks.network1.gateways"], meshz["fieldsWithoutEffect"]!.AsArray().Select(f => f!["field"]!.GetValue<string>()));
        Assert.Equal("REGISTRY_ONLY", meshz["meshConfig"]!["outboundTrafficPolicy"]!["mode"]!.GetValue<string>());
        // The model the proxies are generated from takes it too.
        await Eventually.TrueAsync(() => _controlPlane.Snapshots.Current?.Mesh.OutboundTrafficPolicy == Mesh.ControlPlane.Model.OutboundTrafficPolicyMode.RegistryOnly,
            "a snapshot built with REGISTRY_ONLY");
    }

    [SkippableFact]
    public async Task KubectlApply_AccessLogAndOpenTelemetryTracing_InjectedProxiesStartWithThem()
    {
        Kubectl.SkipUnlessInstalled();
        var handler = new AdmissionHandler(() => MeshConfig.Injector);
        await _controlPlane.StartAsync();
        await WaitForLogAsync(475, "does not exist");
        var before = InjectedPatch(handler);
        Assert.DoesNotContain("--otlp-endpoint", before);
        Assert.DoesNotContain("--access-log", before);

        await _kubectl.SucceedWithInputAsync(IstioConfigMap("""
            accessLogFile: /dev/stdout
            accessLogEncoding: JSON
            extensionProviders:
            - name: jaeger
              opentelemetry: {service: jaeger-collector.istio-system.svc.cluster.local, port: 4317}
            - name: zipkin
              zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
            defaultProviders:
              tracing: [jaeger]
            defaultConfig:
              concurrency: 2
              terminationDrainDuration: 30s
              proxyMetadata: {OTEL_SERVICE_NAME: from-mesh, ISTIO_META_DNS_CAPTURE: "true"}
              tracing:
                sampling: 100
            """), "apply", "-f", "-");
        await Eventually.TrueAsync(() => MeshConfig.Injector.Settings.OtlpEndpoint is not null, "the tracing provider in effect");
        var applied = InjectedPatch(handler);
        var meshz = JsonNode.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_controlPlane.HttpPort}/debug/meshz"))!;

        Assert.Contains("\"--access-log\",\"json\"", applied);
        Assert.Contains("\"--trace-sampling\",\"100\"", applied);
        Assert.Contains("\"--termination-drain-duration\",\"30\"", applied);
        Assert.Contains("{\"name\":\"DOTNET_PROCESSOR_COUNT\",\"value\":\"2\"}", applied);
        Assert.Contains("{\"name\":\"OTEL_SERVICE_NAME\",\"value\":\"from-mesh\"}", applied);
        Assert.Contains("{\"name\":\"ISTIO_META_DNS_CAPTURE\",\"value\":\"true\"}", applied);
        Assert.Equal("from-mesh", meshz["meshConfig"]!["defaultConfig"]!["proxyMetadata"]!["OTEL_SERVICE_NAME"]!.GetValue<string>());
        Assert.Equal("30s", meshz["meshConfig"]!["defaultConfig"]!["terminationDrainDuration"]!.GetValue<string>());
        Assert.Contains("\"--otlp-endpoint\",\"http://jaeger-collector.istio-system.svc.cluster.local:4317\"", applied);
        Assert.Equal("json", meshz["meshConfig"]!["accessLog"]!.GetValue<string>());
        Assert.Equal(100, meshz["meshConfig"]!["defaultConfig"]!["tracing"]!["sampling"]!.GetValue<double>());
        Assert.Null(MeshConfig.State.Mesh.ProviderSampling);
        // The providers reach the model too, where a Telemetry's tracing names them.
        Assert.Equal(new Mesh.ControlPlane.Model.TracingProvider("opentelemetry", "http://jaeger-collector.istio-system.svc.cluster.local:4317"),
            MeshConfig.State.Mesh.TracingProviders.ByName["jaeger"]);
        Assert.Equal("grpc", meshz["meshConfig"]!["tracingProviders"]!["jaeger"]!["protocol"]!.GetValue<string>());
        Assert.Null(meshz["meshConfig"]!["tracingProviders"]!["zipkin"]);
        // Without effect: the zipkin provider (no tracer of that kind, from a default or a Telemetry), and the
        // istio-agent variable, which is set all the same.
        Assert.Equal(
            [(MeshConfigFields.ExtensionProviders, true), (MeshConfigFields.ProxyMetadata, true)],
            MeshConfig.State.WithoutEffect.Select(unused => (unused.Path, unused.Reason.Contains(unused.Path == MeshConfigFields.ProxyMetadata
                ? "ISTIO_META_DNS_CAPTURE is set in injected proxies' environment, but this proxy does not read it; the other variables take effect"
                : "zipkin (zipkin: only opentelemetry tracing providers are implemented"))));
        Assert.Equal(2, meshz["fieldsWithoutEffect"]!.AsArray().Count);

        // A default provider that is not opentelemetry is named with its kind, and tracing off overrides everything.
        await _kubectl.SucceedWithInputAsync(IstioConfigMap("""
            enableTracing: false
            extensionProviders:
            - name: zipkin
              zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
            defaultProviders:
              tracing: [zipkin]
            """), "apply", "-f", "-");
        await Eventually.TrueAsync(() => MeshConfig.Injector.Settings.OtlpEndpoint is null, "tracing off");
        var off = InjectedPatch(handler);

        Assert.Contains("\"--trace-sampling\",\"0\"", off);
        Assert.DoesNotContain("--access-log", off);
        Assert.Contains(MeshConfig.State.WithoutEffect, f => f.Path == MeshConfigFields.DefaultTracingProviders && f.Reason.Contains("enableTracing is false"));
        // A Telemetry naming a provider still traces, at Istio's default 1 percent where no sampling is written.
        Assert.Equal(1, MeshConfig.State.Mesh.ProviderSampling);
        Assert.False(MeshConfig.Injector.Settings.TracingEnabled);
    }

    [SkippableFact]
    public async Task KubectlApply_BrokenMeshConfig_LastGoodKeepsServingAndThePathIsLogged()
    {
        Kubectl.SkipUnlessInstalled();
        await _controlPlane.StartAsync();
        await _kubectl.SucceedWithInputAsync(IstioConfigMap($"""
            defaultConfig:
              discoveryAddress: {CanaryAddress}
            """), "apply", "-f", "-");
        await Eventually.TrueAsync(() => MeshConfig.Injector.Settings.DiscoveryAddress == CanaryAddress, "the good mesh config in effect");
        var good = MeshConfig.State.ResourceVersion;

        await _kubectl.SucceedWithInputAsync(IstioConfigMap("""
            defaultConfig:
              discoveryAddress: istiod.istio-system.svc:15012
              holdApplicationUntilProxyStarts: maybe
            """), "apply", "-f", "-");
        await WaitForLogAsync(471, "rejected at defaultConfig.holdApplicationUntilProxyStarts: Invalid value: \"maybe\": expected true or false; "
            + $"the last good mesh config keeps serving (resourceVersion {good})");
        await MeshConfig.PendingEvents;

        Assert.Equal(CanaryAddress, MeshConfig.Injector.Settings.DiscoveryAddress);
        Assert.Equal(good, MeshConfig.State.ResourceVersion);
        Assert.Contains("defaultConfig.holdApplicationUntilProxyStarts", MeshConfig.State.Rejection);
        Assert.Contains(_server.Events, e => e.InvolvedName == "istio" && e.Reason == MeshConfigWatcher.RejectedReason
            && e.Message.Contains("defaultConfig.holdApplicationUntilProxyStarts"));
    }

    [Fact]
    public async Task StartAsync_ConfigMapPresent_ReturnsWithItInEffect()
    {
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "istio", NamespaceProperty = "istio-system" },
            Data = new Dictionary<string, string> { ["mesh"] = $"defaultConfig:\n  discoveryAddress: {CanaryAddress}\n" },
        }, "istio-system");

        await _controlPlane.StartAsync();

        Assert.Equal(created.Metadata.ResourceVersion, MeshConfig.State.ResourceVersion);
        Assert.Equal(CanaryAddress, MeshConfig.Injector.Settings.DiscoveryAddress);
    }

    [Fact]
    public async Task Informerz_MeshConfigWatcher_ItsInformerListedAndSynced()
    {
        await _controlPlane.StartAsync();
        await WaitForLogAsync(475, "does not exist");

        var informerz = JsonNode.Parse(await _http.GetStringAsync($"http://127.0.0.1:{_controlPlane.HttpPort}/debug/informerz"))!;

        // Listed beside the cluster source's informers.
        var informer = Assert.Single(informerz["informers"]!.AsArray(), i => i!["name"]!.GetValue<string>() == "v1/configmaps istio-system/istio")!;
        Assert.True(informer["synced"]!.GetValue<bool>());
    }

    private async Task WaitForLogAsync(int eventId, string text) => await Eventually.TrueAsync(
        () => _logs.Lines.Any(line => line.EventId == eventId && line.Message.Contains(text, StringComparison.Ordinal)),
        $"log [{eventId}] containing {text}; log:\n" + string.Join("\n", _logs.Lines.Select(l => $"[{l.EventId}] {l.Message}")));

    private static string IstioConfigMap(string mesh, string meshNetworks = "networks: {}") => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: istio
          namespace: istio-system
        data:
          meshNetworks: |
        {string.Join("\n", meshNetworks.Split('\n').Select(line => "    " + line))}
          mesh: |
        {string.Join("\n", mesh.Split('\n').Select(line => "    " + line))}
        """;

    /// <summary>The JSON patch /inject answers for a classic-sidecar pod, as text.</summary>
    private static string InjectedPatch(AdmissionHandler handler)
    {
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = "1",
                ["namespace"] = "default",
                ["object"] = JsonNode.Parse("""
                    {"metadata": {"name": "reviews-1", "annotations": {"sidecar.istio.io/nativeSidecar": "false"}},
                     "spec": {"containers": [{"name": "reviews", "image": "reviews:1", "ports": [{"containerPort": 9080}]}]}}
                    """),
            },
        };
        var outcome = handler.Handle(Encoding.UTF8.GetBytes(review.ToJsonString()), "application/json", "/inject");
        Assert.Equal(AdmissionResult.Injected, outcome.Result);
        var patch = JsonNode.Parse(outcome.Body)!["response"]!["patch"]!.GetValue<string>();
        return Encoding.UTF8.GetString(Convert.FromBase64String(patch));
    }
}
