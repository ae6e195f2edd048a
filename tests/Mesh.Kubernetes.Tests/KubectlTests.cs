using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.Tests;

/// <summary>The machine's kubectl against the test API server, through the kubeconfig it writes.</summary>
public sealed class KubectlTests
{
    private const string ConfigMap = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: default
          labels:
            app: demo
        data:
          mode: first
        """;

    [SkippableFact]
    public async Task Version_ReportsConfiguredGitVersion()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync(new() { GitVersion = "v1.30.2" });

        var output = await fixture.Kubectl.SucceedAsync("version", "-o", "json");

        Assert.Equal("v1.30.2", JsonNode.Parse(output)!["serverVersion"]!["gitVersion"]!.GetValue<string>());
    }

    [SkippableFact]
    public async Task Apply_CreatesObject_GetJsonShowsItWithServerMetadata()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();

        var applied = await fixture.Kubectl.SucceedWithInputAsync(ConfigMap, "apply", "-f", "-");
        var output = await fixture.Kubectl.SucceedAsync("get", "configmap", "settings", "-n", "default", "-o", "json");

        Assert.Contains("configmap/settings created", applied);
        var obj = JsonNode.Parse(output)!;
        Assert.Equal("first", obj["data"]!["mode"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(obj["metadata"]!["uid"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(obj["metadata"]!["resourceVersion"]!.GetValue<string>()));
        Assert.NotNull(obj["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
    }

    [SkippableFact]
    public async Task Delete_RemovesObject_GetThenFailsNotFound()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Kubectl.SucceedWithInputAsync(ConfigMap, "apply", "-f", "-");

        var deleted = await fixture.Kubectl.SucceedAsync("delete", "configmap", "settings", "-n", "default");
        var (exit, _, error) = await fixture.Kubectl.RunAsync("get", "configmap", "settings", "-n", "default");

        Assert.Contains("configmap \"settings\" deleted", deleted);
        Assert.NotEqual(0, exit);
        Assert.Contains("configmaps \"settings\" not found", error);
    }

    [SkippableFact]
    public async Task GetWatch_PrintsObjectCreatedAfterItStarted()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        using var watch = fixture.Kubectl.Start("get", "configmaps", "-n", "default", "--watch", "-o", "name");
        try
        {
            // A first object proves the watch is open before the one the test waits for is created.
            await fixture.Kubectl.SucceedWithInputAsync(ConfigMap, "apply", "-f", "-");
            await Kubectl.ReadUntilAsync(watch, line => line == "configmap/settings");
            await fixture.Kubectl.SucceedWithInputAsync(ConfigMap.Replace("settings", "later"), "apply", "-f", "-");

            var line = await Kubectl.ReadUntilAsync(watch, line => line == "configmap/later");

            Assert.Equal("configmap/later", line);
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }
    [SkippableFact]
    public async Task PatchStatusSubresource_SetsPodIpAndPhase()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Kubectl.SucceedWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: default}
            spec:
              containers: [{name: app, image: app}]
            """, "apply", "-f", "-");

        await fixture.Kubectl.SucceedAsync("patch", "pod", "p", "--subresource=status", "--type=merge", "-p",
            """{"status":{"phase":"Running","podIP":"10.1.0.5","conditions":[{"type":"Ready","status":"True"}]}}""");
        var output = await fixture.Kubectl.SucceedAsync("get", "pod", "p", "-o", "jsonpath={.status.phase} {.status.podIP} {.status.conditions[0].type}");

        Assert.Equal("Running 10.1.0.5 Ready", output);
    }
}
