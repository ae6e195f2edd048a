using System.Text.Json;
using Mesh.Kubernetes.Tests;

namespace Mesh.EndToEnd.Tests.Kubernetes;

/// <summary>
/// The mesh configured from Kubernetes, end to end: workloads and Istio YAML applied with kubectl into the test API
/// server; the control plane, the gateway and the sidecars on 127.0.0.1 configured from it, with certificates for the
/// pods' service accounts; a VirtualService edited with kubectl apply; a pod created through the API arriving injected.
/// </summary>
[Collection(ClusterMeshCollection.Name)]
public sealed class ClusterMeshTests(ClusterMeshFixture fixture)
{
    private const string AllToV2 = """
        apiVersion: networking.istio.io/v1beta1
        kind: VirtualService
        metadata:
          name: backend
          namespace: default
        spec:
          hosts:
          - backend
          http:
          - route:
            - destination:
                host: backend
                subset: v2
        """;

    [SkippableFact]
    public async Task Cluster_RoutesOverMutualTls_AndAKubectlApplyFlipsTheSplitLive()
    {
        var mesh = await fixture.StartAsync();

        // The 80/20 split of deploy/local reaches both versions through gateway → frontend → backend.
        var answers = new List<GatewayAnswer>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await ClusterMesh.WaitUntilAsync(async () =>
            {
                answers.Add(await mesh.GetAsync());
                return answers.Any(a => a.Backend == "backend-v1") && answers.Any(a => a.Backend == "backend-v2");
            }, deadline.Token, () => $"answers from both backend versions; {answers.Count} answers, the last: {answers.LastOrDefault()?.Status} {answers.LastOrDefault()?.Body}");
        }
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal("frontend-v1", answers[0].Chain[0]);

        // The backends saw the frontend's pod identity over mutual TLS: its service account, from the token it proved.
        var metrics = await mesh.Gateway.GetStringAsync(mesh.MetricsUri("backend-v1"));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("istio_requests_total{", StringComparison.Ordinal)
            && line.Contains("reporter=\"destination\"", StringComparison.Ordinal)
            && line.Contains("source_principal=\"spiffe://cluster.local/ns/default/sa/frontend\"", StringComparison.Ordinal)
            && line.Contains("connection_security_policy=\"mutual_tls\"", StringComparison.Ordinal));

        // kubectl apply at another served version: every answer comes from v2 once the push lands.
        await mesh.ApplyAsync(AllToV2);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var consecutive = 0;
            await ClusterMesh.WaitUntilAsync(async () =>
            {
                consecutive = (await mesh.GetAsync()).Backend == "backend-v2" ? consecutive + 1 : 0;
                return consecutive >= 20;
            }, deadline.Token, () => "20 answers in a row from backend-v2 after the apply");
        }
    }

    [SkippableFact]
    public async Task Cluster_PodCreatedThroughTheApi_ArrivesInjected_UnlessItOptsOut()
    {
        var mesh = await fixture.StartAsync();
        await mesh.Kubectl.SucceedAsync("label", "namespace", "default", "istio-injection=enabled");

        await mesh.ApplyAsync("""
            apiVersion: v1
            kind: Pod
            metadata:
              name: ratings-v1
              namespace: default
              labels:
                app: ratings
                version: v1
            spec:
              serviceAccountName: ratings
              containers:
              - name: ratings
                image: mesh-sample-app
                ports:
                - containerPort: 9080
                readinessProbe:
                  httpGet:
                    path: /ready
                    port: 9080
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: opted-out
              namespace: default
              labels:
                sidecar.istio.io/inject: "false"
            spec:
              containers:
              - name: app
                image: mesh-sample-app
            """);

        using var injected = JsonDocument.Parse(await mesh.Kubectl.SucceedAsync("get", "pod", "ratings-v1", "-n", "default", "-o", "json"));
        var pod = injected.RootElement;
        var proxy = pod.GetProperty("spec").GetProperty("initContainers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "istio-proxy");
        Assert.Equal("Always", proxy.GetProperty("restartPolicy").GetString());
        var args = proxy.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Equal("127.0.0.1:9080", args[args.IndexOf("--app") + 1]);
        Assert.True(pod.GetProperty("metadata").GetProperty("annotations").TryGetProperty("sidecar.istio.io/status", out _), "no sidecar.istio.io/status annotation");
        Assert.Equal("istio", pod.GetProperty("metadata").GetProperty("labels").GetProperty("security.istio.io/tlsMode").GetString());
        // The kubelet's probe goes through the proxy's status port, so STRICT mTLS does not break it.
        var probe = pod.GetProperty("spec").GetProperty("containers")[0].GetProperty("readinessProbe").GetProperty("httpGet");
        Assert.Equal("/app-health/ratings/readyz", probe.GetProperty("path").GetString());
        Assert.Equal(15020, probe.GetProperty("port").GetInt32());

        using var untouched = JsonDocument.Parse(await mesh.Kubectl.SucceedAsync("get", "pod", "opted-out", "-n", "default", "-o", "json"));
        Assert.False(untouched.RootElement.GetProperty("spec").TryGetProperty("initContainers", out _), "the opted-out pod was injected");
    }

    [SkippableFact]
    public async Task Cluster_ProxyConfigsAppliedWithKubectl_ShapeThePodsInjectedAfterThem()
    {
        var mesh = await fixture.StartAsync();
        await mesh.ApplyAsync("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: bookinfo, labels: {istio-injection: enabled}}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: {name: mesh-resource, namespace: istio-system}
            spec:
              environmentVariables: {OTEL_RESOURCE_ATTRIBUTES: deployment.environment=test}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: {name: workers, namespace: bookinfo}
            spec: {concurrency: 2}
            ---
            apiVersion: networking.istio.io/v1beta1
            kind: ProxyConfig
            metadata: {name: ratings, namespace: bookinfo}
            spec:
              selector: {matchLabels: {app: ratings}}
              concurrency: 1
              image: {imageType: distroless}
            """);
        const string Ratings = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ratings-v1, namespace: bookinfo, labels: {app: ratings}}
            spec: {containers: [{name: ratings, image: mesh-sample-app}]}
            """;
        // The webhook reads the ProxyConfigs of the control plane's latest snapshot: a dry run shows when it has them.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var seen = "";
            await ClusterMesh.WaitUntilAsync(async () =>
            {
                (_, seen, _) = await mesh.Kubectl.RunWithInputAsync(Ratings, "create", "--dry-run=server", "-o", "json", "-f", "-");
                return seen.Contains("OTEL_RESOURCE_ATTRIBUTES", StringComparison.Ordinal) && seen.Contains("DOTNET_PROCESSOR_COUNT", StringComparison.Ordinal);
            }, deadline.Token, () => "the ProxyConfigs in an injected pod; a dry run gave " + seen);
        }

        var (exit, _, warnings) = await mesh.Kubectl.RunWithInputAsync(Ratings + "\n" + """
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: reviews-v1, namespace: bookinfo, labels: {app: reviews}}
            spec: {containers: [{name: reviews, image: mesh-sample-app}]}
            """, "create", "-f", "-");
        await mesh.Kubectl.SucceedAsync("delete", "proxyconfig", "mesh-resource", "-n", "istio-system");

        Assert.True(exit == 0, warnings);
        var ratings = await ProxyEnvironmentAsync(mesh, "ratings-v1");
        var reviews = await ProxyEnvironmentAsync(mesh, "reviews-v1");
        Assert.Equal(("1", "deployment.environment=test"), (ratings["DOTNET_PROCESSOR_COUNT"], ratings["OTEL_RESOURCE_ATTRIBUTES"]));
        Assert.Equal(("2", "deployment.environment=test"), (reviews["DOTNET_PROCESSOR_COUNT"], reviews["OTEL_RESOURCE_ATTRIBUTES"]));
        // kubectl prints the injector's warning for the pod the image type was meant for, and only for it.
        Assert.Equal(1, warnings.Split("image.imageType distroless has no effect").Length - 1);
    }

    private static async Task<Dictionary<string, string>> ProxyEnvironmentAsync(ClusterMesh mesh, string pod)
    {
        using var json = JsonDocument.Parse(await mesh.Kubectl.SucceedAsync("get", "pod", pod, "-n", "bookinfo", "-o", "json"));
        var proxy = json.RootElement.GetProperty("spec").GetProperty("initContainers").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "istio-proxy");
        return proxy.GetProperty("env").EnumerateArray().Where(e => e.TryGetProperty("value", out _))
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!);
    }
}

/// <summary>The cluster tests share one mesh: starting it (API server, control plane, four proxies, three apps) is the slow part.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterMeshCollection : ICollectionFixture<ClusterMeshFixture>
{
    public const string Name = "cluster-mesh";
}

/// <summary>The mesh of <see cref="ClusterMeshCollection"/>.</summary>
public sealed class ClusterMeshFixture : IAsyncLifetime
{
    private Task<ClusterMesh>? _mesh;

    /// <summary>The mesh, started by the first test that asks (after its kubectl check, so a skip starts nothing).</summary>
    internal Task<ClusterMesh> StartAsync()
    {
        Kubectl.SkipUnlessInstalled();
        return _mesh ??= ClusterMesh.StartAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_mesh is { IsCompletedSuccessfully: true }) await (await _mesh).DisposeAsync();
    }
}
