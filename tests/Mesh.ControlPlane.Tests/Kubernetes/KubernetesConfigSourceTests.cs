using k8s;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Sources;
using Mesh.Istio;
using Mesh.Kubernetes.Tests;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>The Kubernetes config source against the test API server, written to with kubectl and KubernetesClient.</summary>
public sealed class KubernetesConfigSourceTests
{
    private static string VirtualService(string version, string name, int weight = 100) => $$"""
        apiVersion: networking.istio.io/{{version}}
        kind: VirtualService
        metadata:
          name: {{name}}
          namespace: default
        spec:
          hosts: [{{name}}]
          http:
          - route:
            - destination:
                host: {{name}}
              weight: {{weight}}
        """;

    [SkippableFact]
    public async Task Start_VirtualServicesAppliedWithKubectlAtV1beta1AndV1_AreServed()
    {
        Kubectl.SkipUnlessInstalled();
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1beta1", "reviews"), "apply", "-f", "-");
        using var source = cluster.CreateSource();
        var changes = new List<ConfigChange>();
        source.Changed += change => { lock (changes) changes.Add(change); };

        source.Start();
        Assert.Contains(source.Current.Resources, r => r.Key == new ConfigKey("VirtualService", "default", "reviews"));
        var reviews = source.Current.Resources.Single(r => r.Key.Name == "reviews");
        // The CRDs serve v1: the object is read at v1, whatever version it was applied at.
        Assert.Equal("k8s://networking.istio.io/v1/namespaces/default/virtualservices/reviews", reviews.Source.File);

        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1", "ratings"), "apply", "-f", "-");
        await Eventually.TrueAsync(() => source.Current.Resources.Any(r => r.Key.Name == "ratings"), "the v1 VirtualService served");
        // The snapshot is replaced before its change is announced: wait for the announcement, not just the snapshot.
        await Eventually.TrueAsync(
            () => { lock (changes) return changes.Any(change => change.Keys.Contains(new ConfigKey("VirtualService", "default", "ratings"))); },
            "the change naming the v1 VirtualService announced");
        Assert.Contains(cluster.Logs.Lines, line => line.EventId == 406 && line.Message.Contains("networking.istio.io/v1"));
    }

    [SkippableFact]
    public async Task Start_TelemetryAppliedWithKubectlAtV1alpha1_IsReadAsATelemetryAtV1()
    {
        Kubectl.SkipUnlessInstalled();
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        await cluster.Kubectl.SucceedWithInputAsync("""
            apiVersion: telemetry.istio.io/v1alpha1
            kind: Telemetry
            metadata: { name: logs, namespace: default }
            spec:
              accessLogging: [{ providers: [{ name: envoy }] }]
            """, "apply", "-f", "-");
        using var source = cluster.CreateSource();

        source.Start();

        var telemetry = Assert.IsType<Mesh.Istio.Observability.Telemetry>(
            Assert.Single(source.Current.Resources, r => r.Key == new ConfigKey("Telemetry", "default", "logs")));
        Assert.Equal("envoy", Assert.Single(Assert.Single(telemetry.Spec.AccessLogging).Providers).Name);
        Assert.Equal("k8s://telemetry.istio.io/v1/namespaces/default/telemetries/logs", telemetry.Source.File);
    }

    [SkippableFact]
    public async Task InvalidVirtualService_IsRejectedWithAWarningEventCarryingTheFieldPath_AndTheLastGoodVersionKeepsServing()
    {
        Kubectl.SkipUnlessInstalled();
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1", "reviews", weight: 100), "apply", "-f", "-");
        using var source = cluster.CreateSource();
        source.Start();

        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1", "reviews", weight: 200), "apply", "-f", "-");
        await Eventually.TrueAsync(() => source.Current.Rejections.Count == 1, "the edit rejected");
        await source.StatusEvents.Pending;
        await Eventually.TrueAsync(() => cluster.Server.Events.Any(e => e.Reason == ConfigStatusEvents.RejectedReason), "the event recorded");

        var rejection = Assert.Single(source.Current.Rejections);
        Assert.Equal("k8s://networking.istio.io/v1/namespaces/default/virtualservices/reviews", rejection.Origin);
        Assert.Equal(1, rejection.ResourcesStillServed);
        var served = (Mesh.Istio.Networking.VirtualService)source.Current.Resources.Single(r => r.Key.Name == "reviews");
        Assert.Equal(100, served.Spec.Http[0].Route[0].Weight);
        var recorded = Assert.Single(cluster.Server.Events, e => e.Reason == ConfigStatusEvents.RejectedReason);
        Assert.Equal("Warning", recorded.Type);
        Assert.Equal("VirtualService", recorded.InvolvedKind);
        Assert.Equal("reviews", recorded.InvolvedName);
        Assert.Equal("networking.istio.io/v1", recorded.InvolvedApiVersion);
        Assert.Contains("spec.http[0].route[0].weight", recorded.Message);
        Assert.Contains("between 0 and 100", recorded.Message);
        Assert.Single(cluster.Logs.Lines, line => line.EventId == 407);

        // kubectl sees it where Kubernetes users look.
        var described = await cluster.Kubectl.SucceedAsync("get", "events", "-n", "default", "--field-selector", "reason=ConfigRejected", "-o", "name");
        Assert.Contains("reviews.", described);
    }

    [SkippableFact]
    public async Task CompactedHistoryAndClosedWatches_AreRecovered()
    {
        Kubectl.SkipUnlessInstalled();
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        using var source = cluster.CreateSource();
        source.Start();
        var informer = cluster.Informers.Informers.Single(i => i.Status().Name == "networking.istio.io/v1/virtualservices");

        // Writes to other kinds move the server's resourceVersion past what the VirtualService watch has seen.
        await cluster.Kubectl.SucceedAsync("create", "namespace", "bookinfo");
        cluster.Server.CompactHistory();
        cluster.Server.CloseWatches();
        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1", "reviews"), "apply", "-f", "-");
        await Eventually.TrueAsync(() => source.Current.Resources.Any(r => r.Key.Name == "reviews"), "served after the watches were closed");
        await Eventually.TrueAsync(() => informer.Status().WatchRestarts >= 1, "the watch reopened");

        cluster.Server.CompactHistory();
        cluster.Server.CloseWatches();
        await cluster.Kubectl.SucceedWithInputAsync(VirtualService("v1", "ratings"), "apply", "-f", "-");
        await Eventually.TrueAsync(() => source.Current.Resources.Any(r => r.Key.Name == "ratings"), "served after a relist");
        Assert.True(cluster.Informers.Informers.Any(i => i.Status().Relists >= 1), "some informer relisted after its resourceVersion was compacted away");
        Assert.All(cluster.Informers.Informers, i => Assert.True(i.Status().Synced));
    }

    [Fact]
    public async Task Start_WithoutIstioCrds_SyncsAndReadsTheKindsOnceTheirCrdsAppear()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        using var source = cluster.CreateSource();
        source.Start();
        Assert.Empty(source.Current.Resources);
        // The kinds this mesh does not implement are not missing: without their CRDs there is nothing to report.
        Assert.Equal(IstioKind.All.Count(k => k.Modelled), cluster.Logs.Lines.Count(line => line.EventId == 405));

        await cluster.CreateIstioCrdsAsync();
        await Eventually.TrueAsync(() => cluster.Informers.Informers.Any(i => i.Status().Name == "networking.istio.io/v1/virtualservices" && i.Status().Synced),
            "the VirtualService informer started once its CRD appeared");
        var body = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(
            """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews","namespace":"default"},"spec":{"hosts":["reviews"]}}""");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1", "default", "virtualservices");
        await Eventually.TrueAsync(() => source.Current.Resources.Any(r => r.Key.Name == "reviews"), "the VirtualService served");
    }

    [Fact]
    public async Task AnalyzerError_OnAnAcceptedObject_IsAWarningEventOncePerResourceVersion()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        var body = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(
            """{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"reviews","namespace":"default"},"spec":{"hosts":["reviews"],"gateways":["missing"],"http":[{"route":[{"destination":{"host":"reviews.example.com"}}]}]}}""");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1", "default", "virtualservices");
        using var source = cluster.CreateSource();
        source.Start();
        await source.StatusEvents.Pending;
        // Every change analyzes the whole config again (here a Service arriving): the same messages are not told twice.
        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(new k8s.Models.V1Service
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "ratings", NamespaceProperty = "default" },
            Spec = new k8s.Models.V1ServiceSpec { Ports = [new k8s.Models.V1ServicePort { Name = "http", Port = 9080 }] },
        }, "default");
        await Eventually.TrueAsync(() => source.Current.Registry.Services.Count == 1, "the Service in the registry");
        await source.StatusEvents.Pending;

        Assert.Single(source.Current.Resources);
        var recorded = cluster.Server.Events.Where(e => e.Reason == "ReferencedResourceNotFound").ToList();
        Assert.Equal(2, recorded.Count);
        Assert.Contains(recorded, e => e.Message.Contains("spec.gateways[0]") && e.Message.StartsWith("IST0101"));
        Assert.Contains(recorded, e => e.Message.Contains("spec.http[0].route[0].destination.host"));
        Assert.All(recorded, e => Assert.Equal(("Warning", "VirtualService", "reviews"), (e.Type, e.InvolvedKind, e.InvolvedName)));
    }

    [Fact]
    public async Task KindNotImplemented_WhereIstiosCrdIsInstalled_EachObjectGetsAWarningEventSayingSo()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        // Istio's WasmPlugin CRD, as a cluster that ran Istio keeps it (the schema left open, as ours are).
        await cluster.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new k8s.Models.V1CustomResourceDefinition
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "wasmplugins.extensions.istio.io" },
            Spec = new k8s.Models.V1CustomResourceDefinitionSpec
            {
                Group = "extensions.istio.io",
                Scope = "Namespaced",
                Names = new k8s.Models.V1CustomResourceDefinitionNames { Kind = "WasmPlugin", Plural = "wasmplugins", Singular = "wasmplugin", ListKind = "WasmPluginList" },
                Versions =
                [
                    new k8s.Models.V1CustomResourceDefinitionVersion
                    {
                        Name = "v1alpha1", Served = true, Storage = true,
                        Schema = new k8s.Models.V1CustomResourceValidation { OpenAPIV3Schema = new k8s.Models.V1JSONSchemaProps { Type = "object", XKubernetesPreserveUnknownFields = true } },
                    },
                ],
            },
        });
        var body = System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(
            """{"apiVersion":"extensions.istio.io/v1alpha1","kind":"WasmPlugin","metadata":{"name":"basic-auth","namespace":"default"},"spec":{"url":"oci://example/basic-auth:1"}}""");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "extensions.istio.io", "v1alpha1", "default", "wasmplugins");
        using var source = cluster.CreateSource();
        source.Start();
        await Eventually.TrueAsync(() => source.Current.Resources.Any(r => r.Kind == "WasmPlugin"), "the WasmPlugin read");
        await source.StatusEvents.Pending;

        var recorded = Assert.Single(cluster.Server.Events, e => e.InvolvedKind == "WasmPlugin");
        Assert.Equal(("Warning", "basic-auth", "NotEffectiveInThisMesh"), (recorded.Type, recorded.InvolvedName, recorded.Reason));
        Assert.StartsWith("MESH0001", recorded.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ServerNotAnswering_FailsNamingTheInformer()
    {
        await using var cluster = await ClusterFixture.StartAsync();
        var options = new KubernetesOptions();
        var client = new k8s.Kubernetes(cluster.Server.ClientConfiguration(token: "not-a-valid-token"));
        using var source = new KubernetesConfigSource(client, options, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, new InformerCatalog(), TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(2));

        var error = Assert.Throws<TimeoutException>(source.Start);
        Assert.Contains("apiextensions.k8s.io/v1/customresourcedefinitions did not sync", error.Message);
        Assert.Contains("401", error.Message);
    }
}
