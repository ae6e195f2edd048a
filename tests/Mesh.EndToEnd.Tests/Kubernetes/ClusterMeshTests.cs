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
