using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.Injection;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// The webhook's request handling with a real AdmissionReview (a ReplicaSet controller's pod CREATE, no name, no
/// namespace): the patch, applied to the object the API server sent, gives the pod kube-inject makes of the same pod;
/// pods the policy leaves alone are allowed unchanged; Istio's HTTP statuses and refusals.
/// </summary>
public sealed class AdmissionHandlerTests
{
    private static readonly InjectionSettings Settings = new();

    [SkippableFact]
    public void Handle_RealAdmissionReview_PatchGivesTheKubeInjectPod()
    {
        InjectionData.SkipUnlessPresent(InjectionData.AdmissionReviewFile);
        var review = JsonNode.Parse(File.ReadAllText(InjectionData.AdmissionReviewFile))!;

        var response = Respond(review.ToJsonString());

        Assert.Equal("admission.k8s.io/v1", response["apiVersion"]!.GetValue<string>());
        Assert.Equal("AdmissionReview", response["kind"]!.GetValue<string>());
        var answer = response["response"]!;
        Assert.Equal("e94a7790-a4fc-11e9-a276-42010a3e0104", answer["uid"]!.GetValue<string>());
        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Equal("JSONPatch", answer["patchType"]!.GetValue<string>());
        var patch = (JsonArray)JsonNode.Parse(Convert.FromBase64String(answer["patch"]!.GetValue<string>()))!;
        // The app's own containers stay where they are: the patch adds around them and changes nothing whole.
        Assert.DoesNotContain(patch, operation => operation!["path"]!.GetValue<string>() is "/spec/containers" or "/spec/initContainers" or "/spec/containers/0");

        // Applied to the raw object (as the API server applies it), then compared with kube-inject of the same pod.
        var patched = JsonPatch.Apply(review["request"]!["object"]!.DeepClone(), patch);
        var webhookPod = KubernetesJson.Deserialize<V1Pod>(patched.ToJsonString());
        var offline = KubernetesJson.Deserialize<V1Pod>(review["request"]!["object"]!.ToJsonString());
        offline.Metadata.NamespaceProperty = "keymaker";
        var kubeInjected = KubernetesYaml.Deserialize<V1Pod>(
            ResourceInjector.Inject(KubernetesYaml.Serialize(offline), new SidecarInjector(Settings), []).Split("\n---")[0]);
        // kube-inject keeps the namespace it was given; the webhook leaves the API server's object without one.
        kubeInjected.Metadata.NamespaceProperty = null;
        InjectionData.AssertJsonEqual(InjectionData.Json(kubeInjected), InjectionData.Json(webhookPod), "webhook pod vs kube-inject pod");

        // What the generated pod's owner and ports make of it.
        Assert.Equal(["istio-init", "istio-proxy", "ca-populator-original", "madkub-init-original"], webhookPod.Spec.InitContainers.Select(c => c.Name));
        var proxy = webhookPod.Spec.InitContainers[1];
        Assert.Equal("Always", proxy.RestartPolicy);
        Assert.Equal("keymaker-keymaker", Env(proxy, "ISTIO_META_WORKLOAD_NAME"));
        Assert.Equal("kubernetes://apis/apps/v1/namespaces/keymaker/deployments/keymaker-keymaker", Env(proxy, "ISTIO_META_OWNER"));
        Assert.Equal("keymaker-original", Env(proxy, "ISTIO_META_APP_CONTAINERS"));
        Assert.Contains("127.0.0.1:7020", proxy.Args);
        Assert.Equal("keymaker", webhookPod.Metadata.Labels["service.istio.io/canonical-name"]);
        Assert.Equal("keymaker-original", webhookPod.Metadata.Annotations["kubectl.kubernetes.io/default-container"]);
    }

    [SkippableFact]
    public void Handle_AlreadyInjectedPod_AllowedWithoutPatch()
    {
        InjectionData.SkipUnlessPresent(InjectionData.AdmissionReviewFile);
        var review = JsonNode.Parse(File.ReadAllText(InjectionData.AdmissionReviewFile))!;
        var first = Respond(review.ToJsonString())["response"]!;
        var patch = (JsonArray)JsonNode.Parse(Convert.FromBase64String(first["patch"]!.GetValue<string>()))!;
        review["request"]!["object"] = JsonPatch.Apply(review["request"]!["object"]!.DeepClone(), patch);

        var second = Respond(review.ToJsonString())["response"]!;

        Assert.True(second["allowed"]!.GetValue<bool>());
        Assert.Null(second["patch"]);
    }

    [Theory]
    [InlineData("default", """{"sidecar.istio.io/inject":"false"}""", "null", false)]
    [InlineData("default", "null", """{"sidecar.istio.io/inject":"false"}""", false)]
    [InlineData("kube-system", "null", "null", false)]
    [InlineData("istio-system", "null", "null", false)]
    [InlineData("default", "null", "null", true)]
    [InlineData("default", """{"sidecar.istio.io/inject":"true"}""", """{"sidecar.istio.io/inject":"false"}""", true)]
    public void Handle_InjectionPolicy_DecidesWhetherToPatch(string @namespace, string labels, string annotations, bool injected)
    {
        var body = Review(@namespace, $$$"""{"metadata":{"name":"p","labels":{{{labels}}},"annotations":{{{annotations}}}},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var answer = Respond(body)["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Equal(injected, answer["patch"] is not null);
    }

    [Fact]
    public void Handle_FieldsTheModelDoesNotKnow_KeptByThePatch()
    {
        var body = Review("default", """{"metadata":{"name":"p"},"spec":{"futureSpec":{"a":1},"containers":[{"name":"app","image":"app","futureField":true,"readinessProbe":{"httpGet":{"port":8080}}}]}}""");
        var answer = Respond(body)["response"]!;
        var patch = (JsonArray)JsonNode.Parse(Convert.FromBase64String(answer["patch"]!.GetValue<string>()))!;

        var patched = JsonPatch.Apply(JsonNode.Parse(body)!["request"]!["object"]!.DeepClone(), patch);

        Assert.Equal(1, patched["spec"]!["futureSpec"]!["a"]!.GetValue<int>());
        var app = InjectionData.Element(patched["spec"]!["containers"], "app");
        Assert.True(app["futureField"]!.GetValue<bool>());
        Assert.Equal("/app-health/app/readyz", app["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
    }

    [Fact]
    public void Handle_InjectValueNeitherTrueNorFalse_InjectedWithAWarning()
    {
        var answer = Respond(Review("default", """{"metadata":{"name":"p","labels":{"sidecar.istio.io/inject":"yes"}},"spec":{"containers":[{"name":"app","image":"app"}]}}"""))["response"]!;

        Assert.NotNull(answer["patch"]);
        Assert.Contains("neither", ((JsonArray)answer["warnings"]!)[0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Handle_HostNetworkPod_AllowedWithoutPatch()
    {
        var answer = Respond(Review("default", """{"metadata":{"name":"p"},"spec":{"hostNetwork":true,"containers":[{"name":"app","image":"app"}]}}"""))["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Null(answer["patch"]);
    }

    [Fact]
    public void Handle_NotAPod_AllowedWithoutPatch()
    {
        var body = Review("default", """{"metadata":{"name":"d"},"spec":{"template":{}}}""").Replace("\"kind\":\"Pod\"", "\"kind\":\"Deployment\"", StringComparison.Ordinal);

        var answer = Respond(body)["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Null(answer["patch"]);
    }

    [Fact]
    public void Handle_EmptyBody_Returns400()
    {
        var outcome = new AdmissionHandler(new SidecarInjector(Settings)).Handle([], "application/json", "/inject");

        Assert.Equal(400, outcome.StatusCode);
        Assert.Equal(AdmissionResult.BadRequest, outcome.Result);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/yaml")]
    [InlineData(null)]
    public void Handle_NotJson_Returns415(string? contentType)
    {
        var outcome = new AdmissionHandler(new SidecarInjector(Settings)).Handle(Encoding.UTF8.GetBytes(Review("default", "{}")), contentType, "/inject");

        Assert.Equal(415, outcome.StatusCode);
    }

    [Fact]
    public void Handle_UnparsableBody_RefusedWithReason()
    {
        var outcome = new AdmissionHandler(new SidecarInjector(Settings)).Handle("{not json"u8, "application/json", "/inject");

        Assert.Equal(200, outcome.StatusCode);
        var answer = JsonNode.Parse(outcome.Body)!["response"]!;
        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains("could not decode", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Handle_InvalidResourceAnnotation_RefusedNamingIt()
    {
        var body = Review("default", """{"metadata":{"name":"p","annotations":{"sidecar.istio.io/proxyCPU":"lots"}},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var answer = Respond(body)["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Equal("u-1", answer["uid"]!.GetValue<string>());
        Assert.Contains("sidecar.istio.io/proxyCPU", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Handle_UnimplementedAnnotation_WarnsInTheResponse()
    {
        var body = Review("default", """{"metadata":{"name":"p","annotations":{"sidecar.istio.io/componentLogLevel":"misc:error","proxy.istio.io/config":"drainDuration: 10s"}},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var answer = Respond(body)["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        var warnings = ((JsonArray)answer["warnings"]!).Select(item => item!.GetValue<string>()).ToList();
        Assert.Contains(warnings, warning => warning.Contains("sidecar.istio.io/componentLogLevel", StringComparison.Ordinal));
        Assert.Contains(warnings, warning => warning.Contains("field drainDuration", StringComparison.Ordinal));
    }

    [Fact]
    public void Handle_V1beta1Review_AnsweredInKind()
    {
        var body = Review("default", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"app"}]}}""").Replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1", StringComparison.Ordinal);

        var response = Respond(body);

        Assert.Equal("admission.k8s.io/v1beta1", response["apiVersion"]!.GetValue<string>());
        Assert.True(response["response"]!["allowed"]!.GetValue<bool>());
    }

    [Fact]
    public void Handle_ClusterInPath_SetsClusterId()
    {
        var body = Review("default", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var pod = PatchedPod(body, "/inject/cluster/east/net/n1");

        Assert.Equal("east", Env(pod.Spec.InitContainers[1], "ISTIO_META_CLUSTER_ID"));
    }

    internal static V1Pod PatchedPod(string body, string path = "/inject", InjectionSettings? settings = null)
    {
        var outcome = new AdmissionHandler(new SidecarInjector(settings ?? Settings)).Handle(Encoding.UTF8.GetBytes(body), "application/json", path);
        var answer = JsonNode.Parse(outcome.Body)!["response"]!;
        Assert.True(answer["allowed"]!.GetValue<bool>(), answer.ToJsonString());
        var patch = (JsonArray)JsonNode.Parse(Convert.FromBase64String(answer["patch"]!.GetValue<string>()))!;
        return KubernetesJson.Deserialize<V1Pod>(JsonPatch.Apply(JsonNode.Parse(body)!["request"]!["object"]!.DeepClone(), patch).ToJsonString());
    }

    internal static string Review(string @namespace, string pod) =>
        $$$"""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"{{{@namespace}}}","operation":"CREATE","object":{{{pod}}}}}""";

    internal static string? Env(V1Container container, string name) => container.Env.FirstOrDefault(variable => variable.Name == name)?.Value;

    internal static JsonNode Respond(string body)
    {
        var outcome = new AdmissionHandler(new SidecarInjector(Settings)).Handle(Encoding.UTF8.GetBytes(body), "application/json", "/inject");
        Assert.Equal(200, outcome.StatusCode);
        return JsonNode.Parse(outcome.Body)!;
    }
}
