using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>Mutating and validating admission webhooks, called by the test API server as the real one calls them.</summary>
public sealed class AdmissionTests
{
    private static V1Pod Pod(string? name = null, string? generateName = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, GenerateName = generateName, Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
    };

    private static V1MutatingWebhookConfiguration Mutating(string name, Admissionregistrationv1WebhookClientConfig client,
        string[] resources, V1LabelSelector? namespaceSelector = null, string failurePolicy = "Fail") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks =
        [
            new V1MutatingWebhook
            {
                Name = name,
                ClientConfig = client,
                Rules = [new V1RuleWithOperations { Operations = ["CREATE", "UPDATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = resources }],
                NamespaceSelector = namespaceSelector,
                FailurePolicy = failurePolicy,
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
                TimeoutSeconds = 5,
            },
        ],
    };

    private static V1ValidatingWebhookConfiguration Validating(string name, Admissionregistrationv1WebhookClientConfig client, string[] resources,
        string failurePolicy = "Fail") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Webhooks =
        [
            new V1ValidatingWebhook
            {
                Name = name,
                ClientConfig = client,
                Rules = [new V1RuleWithOperations { Operations = ["*"], ApiGroups = ["*"], ApiVersions = ["*"], Resources = resources }],
                FailurePolicy = failurePolicy,
                SideEffects = "None",
                AdmissionReviewVersions = ["v1", "v1beta1"],
            },
        ],
    };

    private static Admissionregistrationv1WebhookClientConfig Url(TestWebhook webhook, string path = "/inject") =>
        new() { Url = new Uri(webhook.Url, path).ToString(), CaBundle = Convert.FromBase64String(webhook.CaBundle) };

    [Fact]
    public async Task MutatingWebhook_OnPodCreate_PatchIsAppliedAndReviewIsComplete()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Patch("""[{"op":"add","path":"/metadata/labels/injected","value":"true"}]"""));
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("inject.test.io", Url(webhook), ["pods"]));

        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod(generateName: "web-"), "default");

        Assert.Equal("true", pod.Metadata.Labels["injected"]);
        Assert.Equal("true", (await fixture.Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, "default")).Metadata.Labels["injected"]);
        var request = Assert.Single(webhook.Requests);
        Assert.Equal("CREATE", request["operation"]!.GetValue<string>());
        Assert.Equal("default", request["namespace"]!.GetValue<string>());
        Assert.Null(request["name"]); // generateName: not named yet when mutating webhooks run
        Assert.Equal("web-", request["object"]!["metadata"]!["generateName"]!.GetValue<string>());
        Assert.Equal("Pod", request["kind"]!["kind"]!.GetValue<string>());
        Assert.Equal("pods", request["resource"]!["resource"]!.GetValue<string>());
        Assert.Equal("v1", request["requestKind"]!["version"]!.GetValue<string>());
        Assert.Equal("kubernetes-admin", request["userInfo"]!["username"]!.GetValue<string>());
        Assert.Equal("CreateOptions", request["options"]!["kind"]!.GetValue<string>());
        Assert.False(request["dryRun"]!.GetValue<bool>());
    }

    [Fact]
    public async Task MutatingWebhook_NamespaceSelector_OnlyLabelledNamespaces()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Patch("""[{"op":"add","path":"/metadata/labels/injected","value":"true"}]"""));
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespaceAsync(new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = "mesh", Labels = new Dictionary<string, string> { ["istio-injection"] = "enabled" } },
        });
        var selector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "istio-injection", OperatorProperty = "In", Values = ["enabled"] }],
        };
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("inject.test.io", Url(webhook), ["pods"], selector));

        var inMesh = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), "mesh");
        var outside = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), "default");

        Assert.True(inMesh.Metadata.Labels.ContainsKey("injected"));
        Assert.False(outside.Metadata.Labels.ContainsKey("injected"));
        Assert.Single(webhook.Requests);
    }

    [Fact]
    public async Task ValidatingWebhook_Denies_ClientSeesApiServerWording()
    {
        await using var webhook = await TestWebhook.StartAsync(request =>
            request["object"]!["metadata"]!["labels"]?["deny"] is null ? TestWebhook.Allow() : TestWebhook.Deny("not on my watch"));
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("deny.test.io", Url(webhook, "/validate"), ["configmaps"]));
        var allowed = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "ok" } }, "default");
        allowed.Metadata.Labels = new Dictionary<string, string> { ["deny"] = "yes" };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(allowed, "ok", "default"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("admission webhook \\\"deny.test.io\\\" denied the request: not on my watch", error.Response.Content);
        var update = webhook.Requests.Last();
        Assert.Equal("UPDATE", update["operation"]!.GetValue<string>());
        Assert.Equal("ok", update["name"]!.GetValue<string>());
        Assert.NotNull(update["oldObject"]);
        Assert.Null((await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("ok", "default")).Metadata.Labels);
    }

    [SkippableFact]
    public async Task MutatingWebhook_Warnings_KubectlPrintsEach()
    {
        Kubectl.SkipUnlessInstalled();
        await using var webhook = await TestWebhook.StartAsync(_ => new JsonObject
        {
            ["allowed"] = true,
            ["warnings"] = new JsonArray("the \"app\" label is deprecated", "second warning"),
        });
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("warn.test.io", Url(webhook), ["pods"]));

        var (exit, _, error) = await fixture.Kubectl.RunWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec: {containers: [{name: app, image: app}]}
            """, "create", "-f", "-");

        Assert.Equal(0, exit);
        Assert.Contains("Warning: the \"app\" label is deprecated\n", error, StringComparison.Ordinal);
        Assert.Contains("Warning: second warning\n", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ValidatingWebhook_Denies_KubectlApplyShowsMessage()
    {
        Kubectl.SkipUnlessInstalled();
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Deny("config maps are closed today", 400));
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("deny.test.io", Url(webhook, "/validate"), ["configmaps"]));

        var (exit, _, error) = await fixture.Kubectl.RunWithInputAsync("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c, namespace: default}
            """, "apply", "-f", "-");

        Assert.NotEqual(0, exit);
        Assert.Contains("admission webhook \"deny.test.io\" denied the request: config maps are closed today", error);
    }

    [Fact]
    public async Task Webhook_Unreachable_FailPolicyRefusesIgnorePolicyAdmits()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var nowhere = new Admissionregistrationv1WebhookClientConfig { Url = "https://127.0.0.1:1/validate" };
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("ignore.test.io", nowhere, ["configmaps"], "Ignore"));
        var admitted = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("fail.test.io", nowhere, ["configmaps"]));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, "default"));

        Assert.Equal("a", admitted.Metadata.Name);
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Contains("failed calling webhook \\\"fail.test.io\\\"", error.Response.Content);
    }

    [Fact]
    public async Task Webhook_WrongCaBundle_CallFails()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Allow());
        await using var other = await TestWebhook.StartAsync(_ => TestWebhook.Allow());
        await using var fixture = await ServerFixture.StartAsync();
        var client = new Admissionregistrationv1WebhookClientConfig { Url = new Uri(webhook.Url, "/validate").ToString(), CaBundle = Convert.FromBase64String(other.CaBundle) };
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("tls.test.io", client, ["configmaps"]));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b" } }, "default"));

        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Empty(webhook.Requests);
    }

    [Fact]
    public async Task Webhook_ServiceReference_ReachedThroughServiceUrls()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Patch("""[{"op":"add","path":"/metadata/labels/via","value":"service"}]"""));
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions
        {
            ServiceUrls = new Dictionary<(string, string, int), Uri> { [("default", "webhook", 443)] = webhook.Url },
        });
        var client = new Admissionregistrationv1WebhookClientConfig
        {
            Service = new Admissionregistrationv1ServiceReference { NamespaceProperty = "default", Name = "webhook", Path = "/inject", Port = 443 },
            CaBundle = Convert.FromBase64String(webhook.CaBundle),
        };
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("svc.test.io", client, ["pods"]));

        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default");

        Assert.Equal("service", pod.Metadata.Labels["via"]);
    }

    [Fact]
    public async Task Webhook_ServiceReference_ResolvedByCallbackWhenNotInServiceUrls()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Patch("""[{"op":"add","path":"/metadata/labels/via","value":"resolver"}]"""));
        Uri? learnt = null; // known only after the server started, as a container's address is
        var asked = new List<(string, string, int)>();
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions
        {
            ServiceResolver = service =>
            {
                asked.Add(service);
                return learnt;
            },
        });
        var client = new Admissionregistrationv1WebhookClientConfig
        {
            Service = new Admissionregistrationv1ServiceReference { NamespaceProperty = "default", Name = "webhook", Path = "/inject", Port = 443 },
            CaBundle = Convert.FromBase64String(webhook.CaBundle),
        };
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("svc.test.io", client, ["pods"]));
        var unresolved = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("early"), "default"));

        learnt = webhook.Url;
        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default");

        Assert.Equal(HttpStatusCode.InternalServerError, unresolved.Response.StatusCode);
        Assert.Contains("failed calling webhook", unresolved.Response.Content);
        Assert.Equal("resolver", pod.Metadata.Labels["via"]);
        Assert.Equal([("default", "webhook", 443), ("default", "webhook", 443)], asked);
    }

    [Fact]
    public async Task MutatingWebhook_StatusSubresourceRule_SeesStatusUpdatesOnly()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Allow());
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("status.test.io", Url(webhook), ["pods/status"]));
        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default");

        pod.Status.PodIP = "10.0.0.1";
        await fixture.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default");

        var request = Assert.Single(webhook.Requests);
        Assert.Equal("status", request["subResource"]!.GetValue<string>());
    }
}
