using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Kubernetes.Tests;

/// <summary>PATCH in its three formats, through kubectl (apply, patch) and KubernetesClient.</summary>
public sealed class PatchTests
{
    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: default
        spec:
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: app
                image: app:1
                ports:
                - containerPort: 8080
                - containerPort: 9090
                env:
                - {name: A, value: "1"}
                - {name: B, value: "2"}
              - name: helper
                image: helper:1
        """;

    [SkippableFact]
    public async Task KubectlApply_ChangedDeployment_MergesContainersByName()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Kubectl.SucceedWithInputAsync(Deployment, "apply", "-f", "-");
        // Another writer adds a container kubectl never applied: a strategic merge keeps it, a replace would not.
        await fixture.Kubectl.SucceedAsync("patch", "deployment", "web", "--type=strategic", "-p",
            """{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"proxy:1"}]}}}}""");

        var changed = Deployment.Replace("image: app:1", "image: app:2")
            .Replace("        - containerPort: 9090\n", "")
            .Replace("        - {name: B, value: \"2\"}\n", "        - {name: C, value: \"3\"}\n");
        var output = await fixture.Kubectl.SucceedWithInputAsync(changed, "apply", "-f", "-");
        var deployment = await fixture.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");

        Assert.Contains("deployment.apps/web configured", output);
        var containers = deployment.Spec.Template.Spec.Containers;
        Assert.Equal(["app", "helper", "sidecar"], containers.Select(c => c.Name));
        Assert.Equal("app:2", containers[0].Image);
        Assert.Equal([8080], containers[0].Ports.Select(p => p.ContainerPort));
        Assert.Equal(["A", "C"], containers[0].Env.Select(e => e.Name));
        Assert.Equal(3, deployment.Metadata.Generation); // created 1, patched 2, applied 3

    }

    [SkippableFact]
    public async Task KubectlApply_Unchanged_ReportsUnchangedAndKeepsVersion()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Kubectl.SucceedWithInputAsync(Deployment, "apply", "-f", "-");
        var before = await fixture.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");

        var output = await fixture.Kubectl.SucceedWithInputAsync(Deployment, "apply", "-f", "-");

        Assert.Contains("deployment.apps/web unchanged", output);
        var after = await fixture.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        Assert.Equal(before.Metadata.ResourceVersion, after.Metadata.ResourceVersion);
    }

    [SkippableFact]
    public async Task KubectlPatch_JsonAndMerge_ChangeConfigMap()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "c" },
            Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
        }, "default");

        await fixture.Kubectl.SucceedAsync("patch", "configmap", "c", "--type=json", "-p", """[{"op":"replace","path":"/data/a","value":"10"}]""");
        await fixture.Kubectl.SucceedAsync("patch", "configmap", "c", "--type=merge", "-p", """{"data":{"b":null,"c":"3"}}""");

        var map = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("c", "default");
        Assert.Equal(new Dictionary<string, string> { ["a"] = "10", ["c"] = "3" }, map.Data);
    }

    [Fact]
    public async Task ClientPatchStatus_MergePatch_SetsPodStatusOnly()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
        }, "default");
        var patch = new V1Patch("""{"spec":{"nodeName":"ignored"},"status":{"phase":"Running","podIP":"10.0.0.7","conditions":[{"type":"Ready","status":"True"}]}}""",
            V1Patch.PatchType.MergePatch);

        var pod = await fixture.Client.CoreV1.PatchNamespacedPodStatusAsync(patch, "p", "default");

        Assert.Equal(("Running", "10.0.0.7"), (pod.Status.Phase, pod.Status.PodIP));
        Assert.Equal("True", Assert.Single(pod.Status.Conditions).Status);
        Assert.Null(pod.Spec.NodeName);
    }

    [Fact]
    public async Task ClientPatch_StrategicConditionsMergeByType()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", Finalizers = ["a"] },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
        }, "default");
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "False" }, new V1PodCondition { Type = "Initialized", Status = "True" }];
        await fixture.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default");

        await fixture.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(
            """{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""", V1Patch.PatchType.StrategicMergePatch), "p", "default");
        var patched = await fixture.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(
            """{"metadata":{"finalizers":["b"],"$deleteFromPrimitiveList/finalizers":["a"]}}""", V1Patch.PatchType.StrategicMergePatch), "p", "default");

        Assert.Equal([("Ready", "True"), ("Initialized", "True")], patched.Status.Conditions.Select(c => (c.Type, c.Status)));
        Assert.Equal(["b"], patched.Metadata.Finalizers);
    }

    [Fact]
    public async Task ClientPatch_WithStaleResourceVersion_IsConflict()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default");
        await fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "c", "default");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch),
            "c", "default"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
    }

    [Fact]
    public async Task ClientPatch_JsonPatchFailedTest_IsInvalidAndChangesNothing()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "c" },
            Data = new Dictionary<string, string> { ["a"] = "1" },
        }, "default");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"test","path":"/data/a","value":"2"},{"op":"add","path":"/data/b","value":"x"}]""", V1Patch.PatchType.JsonPatch),
            "c", "default"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.False((await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("c", "default")).Data.ContainsKey("b"));
    }

    [Fact]
    public async Task StrategicPatch_OnCustomResource_IsUnsupportedMediaType()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "example.com",
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames { Kind = "Widget", Plural = "widgets" },
                Versions = [new V1CustomResourceDefinitionVersion { Name = "v1", Served = true, Storage = true }],
            },
        });
        var widget = JsonSerializer.Deserialize<JsonElement>("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":1}}""");
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, "example.com", "v1", "default", "widgets");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"size":2}}""", V1Patch.PatchType.StrategicMergePatch), "example.com", "v1", "default", "widgets", "w"));
        var merged = (JsonElement)await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"size":3}}""", V1Patch.PatchType.MergePatch), "example.com", "v1", "default", "widgets", "w");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, error.Response.StatusCode);
        Assert.Equal(3, merged.GetProperty("spec").GetProperty("size").GetInt32());
    }
    [SkippableFact]
    public async Task KubectlServerSideApply_CreatesThenUpdates()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        const string map = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: ssa, namespace: default}
            data: {mode: first}
            """;

        var created = await fixture.Kubectl.SucceedWithInputAsync(map, "apply", "--server-side", "-f", "-");
        await fixture.Kubectl.SucceedWithInputAsync(map.Replace("first", "second"), "apply", "--server-side", "-f", "-");

        Assert.Contains("configmap/ssa serverside-applied", created);
        Assert.Equal("second", (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("ssa", "default")).Data["mode"]);
    }

    [Fact]
    public async Task ClientApplyPatch_WithoutFieldManager_IsInvalid()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var patch = new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""", V1Patch.PatchType.ApplyPatch);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "c", "default"));
        var created = await fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(patch, "c", "default", fieldManager: "test");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Equal("c", created.Metadata.Name);
    }
    [Fact]
    public async Task ClientPatch_ConcurrentWithoutResourceVersion_AllApply()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default");

        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($$$"""{"data":{"k{{{i}}}":"v"}}""", V1Patch.PatchType.MergePatch), "c", "default")));

        Assert.Equal(16, (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("c", "default")).Data.Count);
    }
}
