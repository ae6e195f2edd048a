using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.Injection;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// ProxyConfig resources at injection, in Istio's order (EffectiveProxyConfig): meshConfig's defaultConfig, the root
/// namespace's, the pod's namespace's, the pod's annotation, and the one selecting the pod, each over the one before.
/// </summary>
public sealed class ProxyConfigInjectionTests
{
    private const string Layers = """
        apiVersion: networking.istio.io/v1beta1
        kind: ProxyConfig
        metadata: { name: mesh, namespace: istio-system }
        spec: { concurrency: 1, environmentVariables: { OTEL_A: root, OTEL_B: root } }
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: ProxyConfig
        metadata: { name: bookinfo, namespace: bookinfo }
        spec: { concurrency: 2, environmentVariables: { OTEL_B: namespace, OTEL_C: namespace } }
        ---
        apiVersion: networking.istio.io/v1beta1
        kind: ProxyConfig
        metadata: { name: ratings, namespace: bookinfo }
        spec: { selector: { matchLabels: { app: ratings } }, concurrency: 4, environmentVariables: { OTEL_D: workload } }
        """;

    private const string Annotation = "concurrency: 3\nproxyMetadata: {OTEL_C: annotation, OTEL_D: annotation}";

    [Fact]
    public void Inject_EveryLayer_NarrowerOverBroaderAndVariablesMergedByName()
    {
        var meshDefaults = new InjectionSettings { ProxyMetadata = [new("OTEL_A", "mesh-config"), new("OTEL_E", "mesh-config")] };

        var pod = Inject(Layers, "bookinfo", """{"app":"ratings"}""", Annotation, meshDefaults);

        Assert.Equal("4", Env(pod, "DOTNET_PROCESSOR_COUNT"));
        Assert.Equal(("root", "namespace", "annotation", "workload", "mesh-config"),
            (Env(pod, "OTEL_A"), Env(pod, "OTEL_B"), Env(pod, "OTEL_C"), Env(pod, "OTEL_D"), Env(pod, "OTEL_E")));
    }

    [Theory]
    [InlineData("bookinfo", """{"app":"reviews"}""", true, "3")]
    [InlineData("bookinfo", """{"app":"reviews"}""", false, "2")]
    [InlineData("default", """{"app":"ratings"}""", false, "1")]
    [InlineData("default", "{}", true, "3")]
    public void Inject_ConcurrencyFromTheNarrowestLayerThatSetsIt(string ns, string labels, bool annotated, string workers)
    {
        var pod = Inject(Layers, ns, labels, annotated ? Annotation : null);

        Assert.Equal(workers, Env(pod, "DOTNET_PROCESSOR_COUNT"));
    }

    [Fact]
    public void Inject_MeshDefaultUnderEveryProxyConfig_AndZeroInANarrowerOneOverridesIt()
    {
        var settings = new InjectionSettings { Concurrency = 5 };
        var zero = """
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: every-core, namespace: bookinfo }
            spec: { concurrency: 0 }
            """;

        Assert.Equal("5", Env(Inject("", "bookinfo", "{}", null, settings), "DOTNET_PROCESSOR_COUNT"));
        // Istio's concurrency is a wrapper: a 0 that is written is a value, and 0 is every core, so nothing is set.
        Assert.Null(Env(Inject(zero, "bookinfo", "{}", null, settings), "DOTNET_PROCESSOR_COUNT"));
    }

    [Fact]
    public void Inject_TwoWithoutSelectorAndTwoSelecting_FirstByNameAppliesAndTheReviewSaysSo()
    {
        var yaml = """
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: b-wide, namespace: bookinfo }
            spec: { concurrency: 7 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: a-wide, namespace: bookinfo }
            spec: { concurrency: 6 }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: z-ratings, namespace: bookinfo }
            spec: { selector: { matchLabels: { app: ratings } }, environmentVariables: { OTEL_SERVICE_NAME: z } }
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: y-ratings, namespace: bookinfo }
            spec: { selector: { matchLabels: { version: v1 } }, environmentVariables: { OTEL_SERVICE_NAME: y } }
            """;

        var (pod, warnings) = InjectWithWarnings(yaml, "bookinfo", """{"app":"ratings","version":"v1"}""", null);

        Assert.Equal(("6", "y"), (Env(pod, "DOTNET_PROCESSOR_COUNT"), Env(pod, "OTEL_SERVICE_NAME")));
        Assert.Equal(
            ["ProxyConfigs a-wide, b-wide in namespace bookinfo have no selector, and Istio allows one: a-wide applies (the first by name)",
             "ProxyConfigs y-ratings, z-ratings in namespace bookinfo all select this pod, which Istio leaves undefined: y-ratings applies (the first by name)"],
            warnings);
    }

    [Fact]
    public void Inject_SelectorWithoutLabels_AppliesToNoPod()
    {
        var yaml = """
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: nothing, namespace: bookinfo }
            spec: { selector: {}, concurrency: 3 }
            """;

        Assert.Null(Env(Inject(yaml, "bookinfo", """{"app":"ratings"}""", null), "DOTNET_PROCESSOR_COUNT"));
    }

    [Fact]
    public void Inject_ImageTypeAndAVariableTheProxyDoesNotRead_SetWhereTheyCanBeAndWarned()
    {
        var yaml = """
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: { name: debug, namespace: bookinfo }
            spec: { image: { imageType: debug }, environmentVariables: { ISTIO_META_DNS_CAPTURE: "true" } }
            """;

        var meshDefaults = new InjectionSettings { ProxyMetadata = [new("ISTIO_META_ENABLE_HBONE", "true")] };

        var (pod, warnings) = InjectWithWarnings(yaml, "bookinfo", "{}", null, meshDefaults);

        Assert.Equal(("true", "true"), (Env(pod, "ISTIO_META_DNS_CAPTURE"), Env(pod, "ISTIO_META_ENABLE_HBONE")));
        Assert.Equal(InjectionSettings.DefaultProxyImage, pod.Spec.InitContainers[1].Image);
        Assert.Equal(
            ["meshConfig defaultConfig.proxyMetadata ISTIO_META_ENABLE_HBONE is set in the proxy's environment, but this proxy does not read it: no effect",
             "ProxyConfig bookinfo/debug: image.imageType debug has no effect: this mesh ships one proxy image",
             "ProxyConfig bookinfo/debug: environmentVariables ISTIO_META_DNS_CAPTURE is set in the proxy's environment, but this proxy does not read it: no effect"],
            warnings);
    }

    private static V1Pod Inject(string yaml, string ns, string labels, string? annotation, InjectionSettings? settings = null) =>
        InjectWithWarnings(yaml, ns, labels, annotation, settings).Pod;

    private static (V1Pod Pod, List<string> Warnings) InjectWithWarnings(string yaml, string ns, string labels, string? annotation, InjectionSettings? settings = null)
    {
        var loaded = IstioConfigLoader.LoadText(yaml, "proxyconfigs.yaml");
        Assert.Empty(loaded.Errors);
        var set = new ProxyConfigSet(loaded.Resources.OfType<ProxyConfig>(), "istio-system");
        var annotations = annotation is null ? "{}" : new JsonObject { ["proxy.istio.io/config"] = annotation }.ToJsonString();
        var body = AdmissionHandlerTests.Review(ns, $$$"""{"metadata":{"name":"p","labels":{{{labels}}},"annotations":{{{annotations}}}},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var outcome = new AdmissionHandler(() => new SidecarInjector(settings ?? new InjectionSettings()), () => set)
            .Handle(Encoding.UTF8.GetBytes(body), "application/json", "/inject");

        var answer = JsonNode.Parse(outcome.Body)!["response"]!;
        Assert.True(answer["allowed"]!.GetValue<bool>(), answer.ToJsonString());
        var patch = (JsonArray)JsonNode.Parse(Convert.FromBase64String(answer["patch"]!.GetValue<string>()))!;
        var pod = KubernetesJson.Deserialize<V1Pod>(JsonPatch.Apply(JsonNode.Parse(body)!["request"]!["object"]!.DeepClone(), patch).ToJsonString());
        return (pod, [.. outcome.Warnings]);
    }

    private static string? Env(V1Pod pod, string name) => AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], name);
}
