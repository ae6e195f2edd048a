using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Commands;

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
        await using var server = await TestApiServer.StartAsync();
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

        // Play the control plane: the root in every namespace and in the webhooks' caBundle; the injector gets another CA.
        var root = SelfSigned("mesh root");
        foreach (var ns in new[] { "default", "kube-system", "istio-system" })
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = Uninstaller.RootCertConfigMap },
                Data = new Dictionary<string, string> { ["root-cert.pem"] = root },
            }, ns);
        }

        await SetBundleAsync(client, "validatingwebhookconfigurations", ClusterCheck.ValidatorWebhook, root);
        await SetBundleAsync(client, "mutatingwebhookconfigurations", ClusterCheck.InjectorWebhook, SelfSigned("someone else"));

        (exit, lines) = await CheckAsync(server, pre: false);

        Assert.Equal(1, exit);
        Assert.Contains("✔ validatingwebhookconfiguration istio-validator-istio-system has the mesh's root as caBundle", lines);
        Assert.Contains(lines, l => l.StartsWith("✘ mutatingwebhookconfiguration istio-sidecar-injector: webhook", StringComparison.Ordinal)
            && l.EndsWith("caBundle is not the mesh's root certificate", StringComparison.Ordinal));
        Assert.Contains("✔ configmap istio-ca-root-cert is in every namespace (3)", lines);
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
