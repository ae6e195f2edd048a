using System.Text.Json;
using k8s;
using k8s.Models;
using Mesh.EndToEnd.Tests.Containers;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// The test kubelet against the test API server, with a hand-written Deployment of the sample app: the pod waits for
/// the ConfigMap it mounts, runs with the downward API and <c>$(VAR)</c> expansion, as its securityContext says, and
/// is Ready (Deployment status, EndpointSlice) only once its readiness probe passes; deleting the Deployment removes it.
/// </summary>
[Trait("Category", "Containers")]
public sealed class TestKubeletTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Deployment_WithAReadinessProbe_RunsAsAPodThatIsReadyOnlyOnceTheProbePasses_AndGoesWithIt()
    {
        await ContainerMeshFixture.RequireDockerAndImageAsync();
        await using var cluster = await ContainerCluster.StartAsync(ContainerMeshFixture.Image);
        var client = cluster.Client;
        await client.CoreV1.CreateNamespacedServiceAsync(KubernetesYaml.Deserialize<V1Service>(ServiceYaml), "default");
        await client.AppsV1.CreateNamespacedDeploymentAsync(KubernetesYaml.Deserialize<V1Deployment>(DeploymentYaml(ContainerMeshFixture.Image)), "default");

        // The pod is created, then waits for the ConfigMap it mounts (made only now, as the control plane makes istio-ca-root-cert).
        V1Pod? pod = null;
        await cluster.WaitAsync(async () => (pod = (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=hello")).Items.FirstOrDefault())
            ?.Status?.Conditions?.Any(c => c.Message == "waiting for ConfigMap default/hello-settings") == true, Timeout, () => "the pod to wait for its ConfigMap");
        Assert.Contains(pod!.Metadata.OwnerReferences, o => o.Kind == "ReplicaSet" && o.Controller == true && o.Name.StartsWith("hello-", StringComparison.Ordinal));
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "hello-settings" },
            Data = new Dictionary<string, string> { ["greeting"] = "hi" },
        }, "default");

        // Running, probed a few times and failing: not ready anywhere (pod, Deployment, EndpointSlice).
        var name = pod.Metadata.Name;
        var running = (KubeletPod?)null;
        await cluster.WaitAsync(async () => (running = cluster.Kubelet.FindPod("default", name)) is { ProbeAttempts: >= 3 }, Timeout,
            () => "three readiness probes of the pod");
        pod = await client.CoreV1.ReadNamespacedPodAsync(name, "default");
        Assert.Equal("Running", pod.Status.Phase);
        Assert.Equal(running!.Ip, pod.Status.PodIP);
        Assert.Equal("False", pod.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.NotEqual(1, (await client.AppsV1.ReadNamespacedDeploymentAsync("hello", "default")).Status?.ReadyReplicas);
        var slice = await SliceAsync(client);
        Assert.False(slice.Endpoints.Single().Conditions.Ready, "the EndpointSlice marks the pod ready before its probe passed");

        // The probe passes once the app listens (after its gate file appears): ready everywhere.
        var app = cluster.Kubelet.ContainerName("default", name, "app");
        var open = await DockerCli.RunAsync(Timeout, "exec", app, "touch", "/gate/open");
        Assert.True(open.Exit == 0, open.ToString());
        await cluster.WaitAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("hello", "default")).Status is
            { ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1 } status
            && status.ObservedGeneration == 1 && status.Conditions.Any(c => c.Type == "Available" && c.Status == "True"), Timeout,
            () => "the Deployment to report one ready replica");
        // The EndpointSlice follows (written in the kubelet's next sync, as the controller's follows the pod's status).
        await cluster.WaitAsync(async () => (slice = await SliceAsync(client)).Endpoints?.SingleOrDefault()?.Conditions.Ready == true, Timeout,
            () => "the EndpointSlice to mark the pod ready");
        Assert.Equal(running.Ip, slice.Endpoints.Single().Addresses.Single());
        Assert.Equal(("web", 8080), (slice.Ports.Single().Name, slice.Ports.Single().Port!.Value));

        // The app answers on the pod's address, named from the expanded env (downward API inside): and by its Service's DNS name in the network.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var answer = JsonDocument.Parse(await http.GetStringAsync($"http://{running.Ip}:8080/")).RootElement;
        Assert.Equal("hello-default", answer.GetProperty("service").GetString());
        Assert.Equal(running.Ip, answer.GetProperty("version").GetString());
        var byName = await DockerCli.RunAsync(Timeout, "exec", app, "curl", "-s", "-m", "5", "http://hello.default.svc.cluster.local:8080/");
        Assert.Contains("\"hello-default\"", byName.Out);

        // As its securityContext says, with the ConfigMap and the in-cluster service-account files mounted.
        Assert.Equal("1000", (await DockerCli.CheckAsync(Timeout, "exec", app, "id", "-u")).Trim());
        Assert.Equal("true", (await DockerCli.CheckAsync(Timeout, "inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", app)).Trim());
        Assert.Equal("hi", await DockerCli.CheckAsync(Timeout, "exec", app, "cat", "/etc/settings/greeting"));
        Assert.Equal("default", await DockerCli.CheckAsync(Timeout, "exec", app, "cat", "/var/run/secrets/kubernetes.io/serviceaccount/namespace"));
        var token = await DockerCli.CheckAsync(Timeout, "exec", app, "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token");
        var review = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } });
        Assert.True(review.Status.Authenticated == true && review.Status.User.Username == "system:serviceaccount:default:hello", JsonSerializer.Serialize(review.Status));

        // Deleting the Deployment stops the containers and deletes the pod; the EndpointSlice empties.
        await client.AppsV1.DeleteNamespacedDeploymentAsync("hello", "default");
        await cluster.WaitAsync(async () => (await DockerCli.RunAsync(Timeout, "ps", "-aq", "--filter", $"label=mesh.e2e.pod=default.{name}")).Out.Trim() == ""
            && (await client.CoreV1.ListNamespacedPodAsync("default")).Items.Count == 0
            && (await SliceAsync(client)).Endpoints is null or { Count: 0 }, Timeout, () => "the pod's containers and object to go");
    }

    private static async Task<V1EndpointSlice> SliceAsync(IKubernetes client) =>
        (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync("default", labelSelector: "kubernetes.io/service-name=hello")).Items.Single();

    private const string ServiceYaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: hello
          namespace: default
        spec:
          selector:
            app: hello
          ports:
          - name: web
            port: 80
            targetPort: http
        """;

    /// <summary>The sample app behind a gate: it listens only once /gate/open exists, so the test decides when the probe can pass.</summary>
    private static string DeploymentYaml(string image) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: hello
          namespace: default
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: hello
          template:
            metadata:
              labels:
                app: hello
            spec:
              serviceAccountName: hello
              containers:
              - name: app
                image: {{image}}
                command: ["sh", "-c"]
                args:
                - until [ -e /gate/open ]; do sleep 0.1; done; exec mesh-sample-app --service $(SERVICE) --version $(POD_IP) --listen 0.0.0.0 --port 8080
                env:
                - name: POD_NAMESPACE
                  valueFrom:
                    fieldRef:
                      fieldPath: metadata.namespace
                - name: POD_IP
                  valueFrom:
                    fieldRef:
                      fieldPath: status.podIP
                - name: SERVICE
                  value: hello-$(POD_NAMESPACE)
                ports:
                - name: http
                  containerPort: 8080
                readinessProbe:
                  httpGet:
                    path: /ready
                    port: http
                  periodSeconds: 1
                securityContext:
                  runAsUser: 1000
                  readOnlyRootFilesystem: true
                volumeMounts:
                - name: gate
                  mountPath: /gate
                - name: settings
                  mountPath: /etc/settings
                  readOnly: true
              volumes:
              - name: gate
                emptyDir: {}
              - name: settings
                configMap:
                  name: hello-settings
        """;
}
