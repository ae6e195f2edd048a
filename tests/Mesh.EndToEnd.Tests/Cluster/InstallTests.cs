using System.Net;
using System.Text.Json;
using Xunit.Abstractions;
using k8s;
using k8s.Models;
using Mesh.EndToEnd.Tests.Containers;
using Mesh.Kubernetes.TestServer;
using Mesh.Kubernetes.Tests;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// <c>meshctl install</c>, <c>check</c> and <c>uninstall</c> against the test API server, with the installed control
/// plane and ingress gateway run by the test kubelet as containers of the image, reaching the server over the test's
/// Docker network: the rollout completes, every check passes, a plain app behind a Kubernetes Ingress (class istio) answers
/// through the gateway, a pod of a labelled namespace comes back injected through the real webhook, a gateway deployed as
/// Istio's gateway chart deploys one is injected with the gateway template and routes, and uninstall
/// leaves nothing of the mesh running, after which check fails saying so.
/// </summary>
[Trait("Category", "Containers")]
public sealed class InstallTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Install_ThenCheck_ServesTheGateway_ThenUninstall_LeavesOnlyTheCrds()
    {
        await ContainerMeshFixture.RequireDockerAndImageAsync();
        Kubectl.SkipUnlessInstalled();
        var image = ContainerMeshFixture.Image;
        await using var cluster = await ContainerCluster.StartAsync(image, c => new TestApiServerOptions
        {
            // On the network's gateway address, so the pods reach the server (its certificate names the address).
            ListenAddress = IPAddress.Parse(c.Network.Gateway),
            // The API server calls the webhooks at istiod's pod, as a cluster's service routing would.
            ServiceResolver = service => service == ("istio-system", "istiod", 443) && PodOf(c, "istio-system", "istiod") is { } istiod
                ? new Uri($"https://{istiod.Ip}:15017") : null,
            // meshctl's port-forwards reach the pod's own address.
            PodPortTargets = (ns, pod, port) => c.Kubelet.FindPod(ns, pod) is { } found ? new IPEndPoint(IPAddress.Parse(found.Ip), port) : null,
        }, server => server.Url);
        var config = cluster.Server.ClientConfiguration();
        var client = cluster.Client;

        // install: applies, the kubelet runs istiod and the gateway, the rollouts complete.
        var (installed, installLines) = await MeshctlAsync(writer => InstallCommand.RunAsync(
            new InstallRequest("default", null, image, Timeout), ManifestFiles.Embedded, config, writer, CancellationToken.None));
        await AssertSucceededAsync(cluster, "install", installed, installLines);
        Assert.Contains("✔ deployment.apps/istiod rolled out", installLines);
        Assert.Contains("✔ deployment.apps/istio-ingressgateway rolled out", installLines);

        // check: every line green.
        var (checkedOk, checkLines) = await MeshctlAsync(writer => CheckCommand.RunAsync(false, ManifestFiles.Embedded, config, writer, CancellationToken.None));
        await AssertSucceededAsync(cluster, "check", checkedOk, checkLines);
        Assert.DoesNotContain(checkLines, l => l.StartsWith('✘') || l.StartsWith('‼'));

        // Traffic: a plain app (no sidecar) in its own namespace, routed by host through the gateway by a Kubernetes Ingress.
        var kubectl = new Kubectl(cluster.Server.WriteKubeconfig(Path.Combine(cluster.WorkDir, "kubeconfig")), Path.Combine(cluster.WorkDir, "kubectl-cache"));
        await kubectl.SucceedWithInputAsync(DemoYaml(image) + "\n---\n" + IngressYaml, "apply", "-f", "-");

        var gateway = PodOf(cluster, "istio-system", "istio-ingressgateway") ?? throw new InvalidOperationException("no gateway pod");
        await WaitForWebThroughAsync(cluster, gateway, "web.example");

        // Injection through the real webhook: a labelled namespace's new pod comes back with the proxy and the capture init container.
        await kubectl.SucceedAsync("label", "namespace", "demo", "istio-injection=enabled");
        await kubectl.SucceedWithInputAsync(InjectedYaml(image), "apply", "-f", "-");
        V1Pod? injected = null;
        await cluster.WaitAsync(async () => (injected = (await client.CoreV1.ListNamespacedPodAsync("demo", labelSelector: "app=injected")).Items.FirstOrDefault()) is not null,
            Timeout, () => "the kubelet to create the injected Deployment's pod");
        var proxy = (injected!.Spec.InitContainers ?? []).Concat(injected.Spec.Containers).SingleOrDefault(c => c.Name == "istio-proxy");
        Assert.True(proxy is not null && proxy.Image == image, "no istio-proxy container of the image: " + KubernetesJson.Serialize(injected.Spec));
        var capture = injected.Spec.InitContainers?.SingleOrDefault(c => c.Name == "istio-init");
        Assert.True(capture is not null && capture.Command.SequenceEqual(["mesh-proxy"]) && capture.Args[0] == "iptables"
            && capture.Args.Contains("15001") && capture.Args.Contains("15006"), "no capture init container: " + KubernetesJson.Serialize(injected.Spec.InitContainers));

        // A gateway as Istio's gateway chart deploys it (image auto, the gateway template, a namespace without injection
        // labels): the webhook's object selector sends its pod to the injector, whose gateway template makes its
        // istio-proxy container a router, and the Gateway selecting it routes through it to the web app.
        await kubectl.SucceedWithInputAsync(ChartGatewayYaml, "apply", "-f", "-");
        KubeletPod? chartGateway = null;
        await cluster.WaitAsync(() => Task.FromResult((chartGateway = PodOf(cluster, "istio-ingress", "chart-gateway")) is not null), Timeout,
            () => "the kubelet to run the chart-style gateway");
        var chartProxy = (await client.CoreV1.ListNamespacedPodAsync("istio-ingress", labelSelector: "app=chart-gateway")).Items.Single().Spec.Containers.Single();
        Assert.True(chartProxy.Image == image && chartProxy.Args[0] == "router", "not injected with the gateway template: " + KubernetesJson.Serialize(chartProxy));
        await WaitForWebThroughAsync(cluster, chartGateway!, "chart.example");

        // uninstall: the kubelet stops the mesh's containers; nothing of the mesh is left but the CRDs.
        var (uninstalled, uninstallLines) = await MeshctlAsync(writer => UninstallCommand.RunAsync(false, Timeout, ManifestFiles.Embedded, config, writer, CancellationToken.None));
        await AssertSucceededAsync(cluster, "uninstall", uninstalled, uninstallLines);
        await cluster.WaitAsync(() => Task.FromResult(!cluster.Kubelet.Pods.Any(p => p.Namespace == "istio-system")), Timeout,
            () => "the kubelet to stop the mesh's pods");
        await cluster.WaitAsync(async () => (await DockerCli.RunAsync(Timeout, "ps", "-aq", "--filter", $"name={cluster.Kubelet.Options.NamePrefix}-istio-system-")).Out.Trim() == "",
            Timeout, () => "the mesh's containers to go");
        Assert.DoesNotContain((await client.CoreV1.ListNamespaceAsync()).Items, n => n.Metadata.Name == "istio-system");
        Assert.Empty((await client.AdmissionregistrationV1.ListMutatingWebhookConfigurationAsync()).Items);
        Assert.Empty((await client.AdmissionregistrationV1.ListValidatingWebhookConfigurationAsync()).Items);
        Assert.DoesNotContain((await client.RbacAuthorizationV1.ListClusterRoleAsync()).Items, r => r.Metadata.Name.StartsWith("istio", StringComparison.Ordinal));
        Assert.Empty((await client.NetworkingV1.ListIngressClassAsync()).Items);
        Assert.Contains((await client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items, c => c.Metadata.Name == "virtualservices.networking.istio.io");

        // check now fails, saying what is missing.
        var (afterwards, afterLines) = await MeshctlAsync(writer => CheckCommand.RunAsync(false, ManifestFiles.Embedded, config, writer, CancellationToken.None));
        Assert.True(afterwards != 0, string.Join('\n', afterLines));
        Assert.Contains(afterLines, l => l.StartsWith('✘') && l.Contains("istiod", StringComparison.Ordinal));
    }

    /// <summary>Until the gateway pod's 8080 routes a request for <paramref name="host"/> to the web app.</summary>
    private static async Task WaitForWebThroughAsync(ContainerCluster cluster, KubeletPod gateway, string host)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var last = "";
        await cluster.WaitAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{gateway.Ip}:8080/hello");
            request.Headers.Host = host;
            try
            {
                using var response = await http.SendAsync(request);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                return response.StatusCode == HttpStatusCode.OK && JsonDocument.Parse(last[4..]).RootElement.GetProperty("service").GetString() == "web";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
                last = e.Message;
                return false;
            }
        }, Timeout, () => $"the gateway at {gateway.Ip}:8080 to route Host {host} to the web app (last: {last})");
    }

    private static KubeletPod? PodOf(ContainerCluster cluster, string ns, string app) =>
        cluster.Kubelet?.Pods.FirstOrDefault(p => p.Namespace == ns && p.Running && p.Labels.TryGetValue("app", out var value) && value == app);

    /// <summary>A meshctl command in process, through its library entry point; its lines also go to the test's output.</summary>
    private async Task<(int Exit, List<string> Lines)> MeshctlAsync(Func<StepWriter, Task<int>> run)
    {
        var text = new StringWriter();
        var exit = await run(new StepWriter(text, color: false));
        output.WriteLine(text.ToString());
        return (exit, [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))]);
    }

    private static async Task AssertSucceededAsync(ContainerCluster cluster, string command, int exit, List<string> lines)
    {
        if (exit != 0) Assert.Fail($"meshctl {command} exited {exit}:\n{string.Join('\n', lines)}\n{await cluster.Kubelet.DiagnosticsAsync()}");
    }

    /// <summary>The sample app as a plain Deployment and Service in demo (no injection).</summary>
    private static string DemoYaml(string image) => $$"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: demo
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: demo
        spec:
          selector:
            app: web
          ports:
          - name: http
            port: 8080
            targetPort: 8080
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: demo
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
                version: v1
            spec:
              containers:
              - name: web
                image: {{image}}
                command: [mesh-sample-app]
                args: [--service, web, --version, v1, --listen, 0.0.0.0, --port, "8080"]
                ports:
                - containerPort: 8080
                readinessProbe:
                  httpGet:
                    path: /
                    port: 8080
                  periodSeconds: 1
                securityContext:
                  runAsUser: 1000
                  readOnlyRootFilesystem: true
        """;

    /// <summary>The sample app with nothing of the mesh in it: the injector adds the rest.</summary>
    private static string InjectedYaml(string image) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: injected
          namespace: demo
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: injected
          template:
            metadata:
              labels:
                app: injected
            spec:
              containers:
              - name: app
                image: {{image}}
                command: [mesh-sample-app]
                args: [--service, injected, --version, v1, --listen, 0.0.0.0, --port, "8080"]
                ports:
                - containerPort: 8080
        """;

    /// <summary>
    /// A gateway Deployment as Istio's gateway Helm chart writes one (its pod template with the chart's defaults, the
    /// Gateway on 8080 so that uid 1337 may bind it), its Gateway, and a VirtualService from chart.example to web.
    /// </summary>
    private const string ChartGatewayYaml = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: istio-ingress
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: chart-gateway
          namespace: istio-ingress
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: chart-gateway
          namespace: istio-ingress
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: chart-gateway
              istio: chart-gateway
          template:
            metadata:
              annotations:
                inject.istio.io/templates: gateway
              labels:
                app: chart-gateway
                istio: chart-gateway
                sidecar.istio.io/inject: "true"
            spec:
              serviceAccountName: chart-gateway
              containers:
              - name: istio-proxy
                image: auto
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities:
                    drop: [ALL]
                  readOnlyRootFilesystem: true
                  runAsGroup: 1337
                  runAsNonRoot: true
                  runAsUser: 1337
                ports:
                - containerPort: 8080
                  name: http2
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: chart-gateway
          namespace: istio-ingress
        spec:
          selector:
            istio: chart-gateway
          servers:
          - port:
              number: 8080
              name: http
              protocol: HTTP
            hosts: ["chart.example"]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: web-via-chart-gateway
          namespace: demo
        spec:
          hosts: ["chart.example"]
          gateways: ["istio-ingress/chart-gateway"]
          http:
          - route:
            - destination:
                host: web.demo.svc.cluster.local
                port:
                  number: 8080
        """;

    /// <summary>A Kubernetes Ingress of class istio: host web.example, every path, to web (served on the gateway's 80, its pod's 8080).</summary>
    private const string IngressYaml = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: web
          namespace: demo
        spec:
          ingressClassName: istio
          rules:
          - host: web.example
            http:
              paths:
              - path: /
                pathType: Prefix
                backend:
                  service:
                    name: web
                    port:
                      number: 8080
        """;
}
