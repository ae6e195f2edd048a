using k8s;
using Mesh.Kubernetes.TestServer;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>meshctl install and uninstall against the test API server, the test playing the deployment controller.</summary>
public sealed class InstallCommandTests
{
    private static readonly InstallRequest Minimal = new("minimal", null, null, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task Install_Minimal_AppliesInOrderWaitsForRolloutAndIsIdempotent()
    {
        await using var server = await TestApiServer.StartAsync();
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await using var controller = new ClusterTestController(client);

        var (exit, lines) = await InstallAsync(server, Minimal);

        Assert.True(exit == 0, string.Join('\n', lines));
        var crd = lines.FindIndex(l => l == "customresourcedefinition.apiextensions.k8s.io/gateways.networking.istio.io created");
        var ns = lines.IndexOf("namespace/istio-system created");
        var configMap = lines.IndexOf("configmap/istio created");
        var webhook = lines.IndexOf("validatingwebhookconfiguration.admissionregistration.k8s.io/istio-validator-istio-system created");
        var deployment = lines.IndexOf("deployment.apps/istiod created");
        Assert.True(crd >= 0 && crd < ns && ns < configMap && configMap < webhook && webhook < deployment, string.Join('\n', lines));
        Assert.Contains("✔ deployment.apps/istiod rolled out", lines);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/telemetries.telemetry.istio.io created", lines);
        Assert.Equal("✔ installed 23 objects", lines[^1]);
        var istiod = await client.AppsV1.ReadNamespacedDeploymentAsync("istiod", "istio-system");
        Assert.Equal("mesh:dev", istiod.Spec.Template.Spec.Containers[0].Image);

        var (again, secondLines) = await InstallAsync(server, Minimal with { Image = "registry.example/mesh:2" });

        Assert.Equal(0, again);
        Assert.Contains("deployment.apps/istiod configured", secondLines);
        Assert.Contains("namespace/istio-system unchanged", secondLines);
        Assert.DoesNotContain(secondLines, l => l.EndsWith(" created", StringComparison.Ordinal));
        istiod = await client.AppsV1.ReadNamespacedDeploymentAsync("istiod", "istio-system");
        Assert.Equal("registry.example/mesh:2", istiod.Spec.Template.Spec.Containers[0].Image);
        Assert.Contains("registry.example/mesh:2", istiod.Spec.Template.Spec.Containers[0].Args);
    }

    [Fact]
    public async Task Install_RolloutNeverCompletes_TimesOutNamingTheDeploymentAndItsConditions()
    {
        await using var server = await TestApiServer.StartAsync();

        var (exit, lines) = await InstallAsync(server, Minimal with { WaitTimeout = TimeSpan.FromSeconds(2) });

        Assert.Equal(1, exit);
        Assert.Contains("waiting for deployment istio-system/istiod: the deployment controller has not observed the new spec yet", lines);
        Assert.Contains("✘ timed out after 2s waiting for deployment istio-system/istiod: the deployment controller has not observed the new spec yet", lines);
        Assert.Contains(lines, l => l.StartsWith("    hint: conditions: none reported; kubectl -n istio-system describe deployment istiod", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Uninstall_AfterInstall_DeletesInReverseOrderKeepsCrdsAndSecondRunFindsNothing()
    {
        await using var server = await TestApiServer.StartAsync();
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await using (new ClusterTestController(client))
        {
            Assert.Equal(0, (await InstallAsync(server, Minimal with { Profile = "default" })).Exit);
        }

        var (exit, lines) = await UninstallAsync(server, purge: false);

        Assert.True(exit == 0, string.Join('\n', lines));
        var deployment = lines.IndexOf("deployment.apps/istio-ingressgateway deleted");
        var webhook = lines.IndexOf("mutatingwebhookconfiguration.admissionregistration.k8s.io/istio-sidecar-injector deleted");
        var ns = lines.IndexOf("namespace/istio-system deleted");
        Assert.True(deployment >= 0 && deployment < webhook && webhook < ns, string.Join('\n', lines));
        Assert.DoesNotContain(lines, l => l.StartsWith("customresourcedefinition", StringComparison.Ordinal));
        Assert.StartsWith("✔ uninstalled", lines[^1], StringComparison.Ordinal);
        Assert.DoesNotContain((await client.CoreV1.ListNamespaceAsync()).Items, n => n.Metadata.Name == "istio-system");
        Assert.Contains((await client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items, c => c.Metadata.Name == "virtualservices.networking.istio.io");

        var (second, secondLines) = await UninstallAsync(server, purge: false);

        Assert.Equal(0, second);
        Assert.Equal(["✔ nothing is installed"], secondLines);

        // The control plane's root ConfigMap, left in an application namespace, goes with --purge, as do the CRDs.
        await client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = Uninstaller.RootCertConfigMap } }, "default");
        var (purged, purgeLines) = await UninstallAsync(server, purge: true);

        Assert.Equal(0, purged);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/virtualservices.networking.istio.io deleted", purgeLines);
        Assert.Contains($"configmap/{Uninstaller.RootCertConfigMap} deleted in 1 namespaces", purgeLines);
        Assert.Empty((await client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items);
    }

    internal static async Task<(int Exit, List<string> Lines)> InstallAsync(TestApiServer server, InstallRequest request)
    {
        var output = new StringWriter();
        var exit = await InstallCommand.RunAsync(request, ManifestFiles.Embedded, server.ClientConfiguration(), new StepWriter(output, color: false), CancellationToken.None);
        return (exit, Lines(output));
    }

    private static async Task<(int Exit, List<string> Lines)> UninstallAsync(TestApiServer server, bool purge)
    {
        var output = new StringWriter();
        var exit = await UninstallCommand.RunAsync(purge, TimeSpan.FromSeconds(30), ManifestFiles.Embedded, server.ClientConfiguration(), new StepWriter(output, color: false), CancellationToken.None);
        return (exit, Lines(output));
    }

    internal static List<string> Lines(StringWriter output) =>
        [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];
}
