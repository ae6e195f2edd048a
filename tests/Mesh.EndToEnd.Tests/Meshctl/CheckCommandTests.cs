using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>meshctl check against the test API server: --pre before install, and the lines for a half-working mesh after it.</summary>
public sealed class CheckCommandTests
{
    [Fact]
    public async Task CheckPre_AdminOnACurrentCluster_PassesEveryCheck()
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { GitVersion = "v1.31.0" });

        var (exit, lines) = await CheckAsync(server, pre: true);

        Assert.True(exit == 0, string.Join('\n', lines));
        Assert.Equal("✔ Kubernetes v1.31.0 (1.28 or newer)", lines[0]);
        Assert.Equal("✔ native sidecars are supported (Kubernetes 1.29+)", lines[1]);
        Assert.Contains("✔ can create customresourcedefinitions.apiextensions.k8s.io", lines);
        Assert.Contains("✔ can create deployments.apps in istio-system", lines);
        Assert.Contains("✔ can create mutatingwebhookconfigurations.admissionregistration.k8s.io", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith('✘'));
    }

    [Fact]
    public async Task CheckPre_Kubernetes128_WarnsThatInjectionUsesClassicSidecars()
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { GitVersion = "v1.28.4" });

        var (exit, lines) = await CheckAsync(server, pre: true);

        Assert.Equal(0, exit);
        Assert.Contains("‼ native sidecars need Kubernetes 1.29: injection falls back to classic sidecars", lines);
    }

    [Fact]
    public async Task CheckPre_WithoutPermissions_FailsPerKindWithAHint()
    {
        await using var server = await TestApiServer.StartAsync();
        var token = server.IssueServiceAccountToken("default", "viewer", ["https://kubernetes.default.svc"], TimeSpan.FromHours(1));

        var output = new StringWriter();
        var exit = await CheckCommand.RunAsync(true, ManifestFiles.Embedded, server.ClientConfiguration(token), new StepWriter(output, color: false), CancellationToken.None);
        var lines = InstallCommandTests.Lines(output);

        Assert.Equal(1, exit);
        Assert.Contains(lines, l => l.StartsWith("✘ cannot create deployments.apps in istio-system", StringComparison.Ordinal));
        Assert.Contains("    hint: install as a cluster admin; kubectl auth can-i create deployments.apps -n istio-system", lines);
    }

    [Fact]
    public async Task Check_ControlPlaneHasNotWrittenItsRoot_FailsTheWebhookAndRootLinesThenPassesThemOnceWritten()
    {
        // The control plane's stand-ins: its webhook (refusing every Gateway) and its monitoring port (one NACKed proxy).
        await using var webhook = await HttpsBackend.StartAsync("istiod.istio-system.svc", app => app.MapPost("/validate", (Delegate)Deny));
        await using var monitoring = await PodHttpServer.StartAsync(new Dictionary<string, string>
        {
            ["/debug/syncz"] = """[{"id": "sidecar~web-1.default", "status": "NACKED"}, {"id": "router~gw.istio-system", "status": "SYNCED"}]""",
        });
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            ServiceUrls = new Dictionary<(string, string, int), Uri> { [("istio-system", "istiod", 443)] = new($"https://127.0.0.1:{webhook.Port}") },
            PodPortTargets = (ns, pod, port) => (ns, pod, port) == ("istio-system", "istiod-1", 15014) ? monitoring.Endpoint : null,
        });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await using (new ClusterTestController(client))
        {
            Assert.Equal(0, (await InstallCommandTests.InstallAsync(server, new InstallRequest("minimal", null, null, TimeSpan.FromSeconds(30)))).Exit);
        }

        var (exit, lines) = await CheckAsync(server, pre: false);

        Assert.Equal(1, exit);
        Assert.Contains("✔ control plane deployment istio-system/istiod is available (1 replicas)", lines);
        Assert.Contains(lines, l => l.StartsWith("✘ configmap istio-system/istio-ca-root-cert has no root certificate", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("✘ mutatingwebhookconfiguration istio-sidecar-injector: webhook", StringComparison.Ordinal) && l.EndsWith("has no caBundle", StringComparison.Ordinal));
        var missing = Assert.Single(lines, l => l.StartsWith("✘ configmap istio-ca-root-cert is missing in ", StringComparison.Ordinal));
        Assert.Equal(["default", "istio-system", "kube-system"], missing["✘ configmap istio-ca-root-cert is missing in ".Length..].Split(", ").Order());
        Assert.Contains(lines, l => l.StartsWith("✘ cannot read the proxies' sync status from the control plane: no pod in istio-system matches app=istiod", StringComparison.Ordinal));

        // Play the control plane: its pod, the root in every namespace and in the webhooks' caBundle; the injector gets another CA.
        await PodHttpServer.CreateRunningPodAsync(client, "istio-system", "istiod-1", new() { ["app"] = "istiod" });
        foreach (var ns in new[] { "default", "kube-system", "istio-system" })
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = Uninstaller.RootCertConfigMap },
                Data = new Dictionary<string, string> { ["root-cert.pem"] = webhook.CaPem },
            }, ns);
        }

        await SetBundleAsync(client, "validatingwebhookconfigurations", ClusterCheck.ValidatorWebhook, webhook.CaPem);
        await SetBundleAsync(client, "mutatingwebhookconfigurations", ClusterCheck.InjectorWebhook, SelfSigned("someone else"));

        (exit, lines) = await CheckAsync(server, pre: false);

        Assert.Equal(1, exit);
        Assert.Contains("✔ validatingwebhookconfiguration istio-validator-istio-system has the mesh's root as caBundle", lines);
        Assert.Contains(lines, l => l.StartsWith("✘ mutatingwebhookconfiguration istio-sidecar-injector: webhook", StringComparison.Ordinal)
            && l.EndsWith("caBundle is not the mesh's root certificate", StringComparison.Ordinal));
        Assert.Contains("✔ the validating webhook answers (it denied an invalid Gateway)", lines);
        Assert.Contains("✔ configmap istio-ca-root-cert is in every namespace (3)", lines);
        Assert.Contains("✘ proxies not SYNCED: sidecar~web-1.default (NACKED)", lines);
    }

    private static async Task<IResult> Deny(HttpContext context)
    {
        var review = await JsonNode.ParseAsync(context.Request.Body);
        return Results.Json(new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["response"] = new JsonObject
            {
                ["uid"] = review!["request"]!["uid"]!.ToString(),
                ["allowed"] = false,
                ["status"] = new JsonObject { ["code"] = 400, ["message"] = "configuration is invalid: a server has no hosts" },
            },
        });
    }

    private static async Task SetBundleAsync(IKubernetes client, string resource, string name, string pem)
    {
        if (resource.StartsWith("mutating", StringComparison.Ordinal))
        {
            var configuration = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name);
            foreach (var webhook in configuration.Webhooks)
            {
                webhook.ClientConfig.CaBundle = Encoding.ASCII.GetBytes(pem);
            }

            await client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(configuration, name);
        }
        else
        {
            var configuration = await client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(name);
            foreach (var webhook in configuration.Webhooks)
            {
                webhook.ClientConfig.CaBundle = Encoding.ASCII.GetBytes(pem);
            }

            await client.AdmissionregistrationV1.ReplaceValidatingWebhookConfigurationAsync(configuration, name);
        }
    }

    private static string SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem() + "\n";
    }

    private static async Task<(int Exit, List<string> Lines)> CheckAsync(TestApiServer server, bool pre)
    {
        var output = new StringWriter();
        var exit = await CheckCommand.RunAsync(pre, ManifestFiles.Embedded, server.ClientConfiguration(), new StepWriter(output, color: false), CancellationToken.None);
        return (exit, InstallCommandTests.Lines(output));
    }
}
