using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Kubernetes.Tests;

/// <summary>dryRun=All on every write: admission and validation run, the answer is the object as it would be, nothing changes.</summary>
public sealed class DryRunTests
{
    private static V1ConfigMap Settings(string mode) => new()
    {
        Metadata = new V1ObjectMeta { Name = "settings", Labels = new Dictionary<string, string> { ["app"] = "demo" } },
        Data = new Dictionary<string, string> { ["mode"] = mode },
    };

    private static V1ValidatingWebhookConfiguration Validating(TestWebhook webhook, string sideEffects, string failurePolicy = "Fail") => new()
    {
        Metadata = new V1ObjectMeta { Name = "check.test.io" },
        Webhooks =
        [
            new V1ValidatingWebhook
            {
                Name = "check.test.io",
                ClientConfig = new Admissionregistrationv1WebhookClientConfig
                {
                    Url = new Uri(webhook.Url, "/check").ToString(), CaBundle = Convert.FromBase64String(webhook.CaBundle),
                },
                Rules = [new V1RuleWithOperations { Operations = ["CREATE", "UPDATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["configmaps"] }],
                FailurePolicy = failurePolicy,
                SideEffects = sideEffects,
                AdmissionReviewVersions = ["v1"],
            },
        ],
    };

    private static async Task<string> ListVersionAsync(IKubernetes client) =>
        (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;

    [Fact]
    public async Task Create_DryRun_AnswersObjectAndStoresNothing()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var before = await ListVersionAsync(fixture.Client);

        var answered = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default", dryRun: "All");

        Assert.Equal("settings", answered.Metadata.Name);
        Assert.False(string.IsNullOrEmpty(answered.Metadata.Uid));
        Assert.NotNull(answered.Metadata.CreationTimestamp);
        Assert.Null(answered.Metadata.ResourceVersion);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal(before, await ListVersionAsync(fixture.Client));
    }

    [Fact]
    public async Task Create_DryRunDeniedByWebhook_ClientSeesDenialAndWebhookSawDryRun()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Deny("mode is invalid"));
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating(webhook, "None"));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default", dryRun: "All"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("admission webhook \\\"check.test.io\\\" denied the request: mode is invalid", error.Response.Content);
        Assert.True(Assert.Single(webhook.Requests)["dryRun"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Create_DryRunWithWebhookWithSideEffects_IsRefusedAsUnsupported()
    {
        await using var webhook = await TestWebhook.StartAsync(_ => TestWebhook.Allow());
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating(webhook, "Some", failurePolicy: "Ignore"));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default", dryRun: "All"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains("admission webhook \\\"check.test.io\\\" does not support dry run", error.Response.Content);
        Assert.Empty(webhook.Requests);
    }

    [Fact]
    public async Task Patch_DryRun_AnswersPatchedObjectAtCurrentVersionAndKeepsStored()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default");

        var answered = await fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"mode":"second"}}""", V1Patch.PatchType.MergePatch), "settings", "default", dryRun: "All");

        Assert.Equal("second", answered.Data["mode"]);
        Assert.Equal(created.Metadata.ResourceVersion, answered.Metadata.ResourceVersion);
        var stored = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default");
        Assert.Equal("first", stored.Data["mode"]);
        Assert.Equal(created.Metadata.ResourceVersion, await ListVersionAsync(fixture.Client));
    }

    [Fact]
    public async Task Replace_DryRunWithStaleVersion_Conflicts()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default");
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(Settings("second"), "settings", "default");
        var stale = Settings("third");
        stale.Metadata.ResourceVersion = created.Metadata.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "settings", "default", dryRun: "All"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task Delete_DryRun_KeepsObject()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default");
        var before = await ListVersionAsync(fixture.Client);

        await fixture.Client.CoreV1.DeleteNamespacedConfigMapAsync("settings", "default", dryRun: "All");

        Assert.Equal("first", (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default")).Data["mode"]);
        Assert.Equal(before, await ListVersionAsync(fixture.Client));
    }

    [Fact]
    public async Task Create_UnsupportedDryRunValue_IsInvalid()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(Settings("first"), "default", dryRun: "Some"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("supported values: \\\"All\\\"", error.Response.Content);
    }

    [SkippableFact]
    public async Task KubectlApplyServerDryRun_ReportsAndStoresNothing()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        const string manifest = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: default
            data:
              mode: first
            """;

        var created = await fixture.Kubectl.SucceedWithInputAsync(manifest, "apply", "--dry-run=server", "-f", "-");
        var lookup = await fixture.Kubectl.RunAsync("get", "configmap", "settings");

        Assert.Contains("configmap/settings created (server dry run)", created);
        Assert.NotEqual(0, lookup.Exit);
        Assert.Contains("NotFound", lookup.Err);
    }
}
