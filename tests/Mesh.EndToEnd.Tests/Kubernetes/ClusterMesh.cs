using System.Globalization;
using Mesh.Kubernetes.Tests;
using Mesh.Kubernetes.TestServer;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.Kubernetes;

/// <summary>
/// The demo's mesh configured from Kubernetes: a test API server holding the workloads (applied with the machine's
/// kubectl) and the Istio CRDs, the control plane reading it with a kubeconfig, and the sample app's three workloads and
/// the ingress gateway on 127.0.0.1, each proxy proving its pod's service account with a projected-style token.
/// </summary>
internal sealed class ClusterMesh : IAsyncDisposable
{
    public const string GatewayName = "istio-ingressgateway";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly List<MeshProcess> _processes = [];
    private readonly RepositoryLayout _layout = RepositoryLayout.Find();
    private readonly string _workDir;
    private readonly int[] _ports;

    private ClusterMesh(TestApiServer server, string workDir, int[] ports)
    {
        Server = server;
        _workDir = workDir;
        _ports = ports;
        Directory.CreateDirectory(LogDir);
        Kubeconfig = server.WriteKubeconfig(Path.Combine(workDir, "kubeconfig"));
        Kubectl = new Kubectl(Kubeconfig, Path.Combine(workDir, "kube-cache"));
        Workloads =
        [
            new("frontend-v1", "frontend", "v1", "http://backend:9080/", ports[4], ports[5], ports[6], ports[7]),
            new("backend-v1", "backend", "v1", null, ports[8], ports[9], ports[10], ports[11]),
            new("backend-v2", "backend", "v2", null, ports[12], ports[13], ports[14], ports[15]),
        ];
        Gateway = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{GatewayPort}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public TestApiServer Server { get; }
    public string Kubeconfig { get; }
    public Kubectl Kubectl { get; }
    public HttpClient Gateway { get; }
    public IReadOnlyList<LocalWorkload> Workloads { get; }
    public string LogDir => Path.Combine(_workDir, "logs");
    public Uri ControlPlaneUrl => new($"http://127.0.0.1:{_ports[1]}");

    private int DiscoveryPort => _ports[0];
    private int WebhookPort => _ports[2];
    private int GatewayPort => _ports[3];
    private int GatewayAdminPort => _ports[16];

    /// <summary>
    /// Where the gateway's Service (when a test creates it) sends its ports 80 and 443: the gateway proxy listens there
    /// for Gateway servers on 80 and 443, as a gateway pod listens on 8080 and 8443 behind deploy/gateway's Service.
    /// </summary>
    public int GatewayServiceHttpTarget => _ports[20];

    /// <inheritdoc cref="GatewayServiceHttpTarget"/>
    public int GatewayServiceHttpsTarget => _ports[21];

    /// <summary>The Prometheus port of a workload's sidecar.</summary>
    public Uri MetricsUri(string workload) => new($"http://127.0.0.1:{_ports[17 + Workloads.ToList().FindIndex(w => w.Name == workload)]}/stats/prometheus");

    public static async Task<ClusterMesh> StartAsync()
    {
        var ports = FreePorts.Take(22);
        // The API server calls the injection and validation webhooks by the istiod Service, which is our webhook port here.
        var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            ServiceUrls = new Dictionary<(string Namespace, string Name, int Port), Uri>
            {
                [("istio-system", "istiod", 443)] = new Uri($"https://127.0.0.1:{ports[2]}"),
            },
        });
        var mesh = new ClusterMesh(server, Path.Combine(Path.GetTempPath(), "mesh-k8s-e2e-" + Guid.NewGuid().ToString("N")[..8]), ports);
        try
        {
            await mesh.StartAllAsync();
            return mesh;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>Applies YAML with <c>kubectl apply -f -</c>, as a user does.</summary>
    public Task<string> ApplyAsync(string yaml) => Kubectl.SucceedWithInputAsync(yaml, "apply", "-f", "-");

    public async Task<GatewayAnswer> GetAsync()
    {
        using var response = await Gateway.GetAsync("/");
        return GatewayAnswer.Parse((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task StartAllAsync()
    {
        using var deadline = new CancellationTokenSource(StartTimeout);
        await Kubectl.SucceedAsync("apply", "-f", Path.Combine(_layout.Root, "deploy", "crds", "istio-crds.yaml"));
        await ApplyAsync(Fill(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Kubernetes", "workloads.yaml"))));
        // A kubelet reports where each pod runs; here every pod is on 127.0.0.1.
        foreach (var (ns, pod) in new[] { ("default", "frontend-v1"), ("default", "backend-v1"), ("default", "backend-v2"), ("istio-system", GatewayName) })
        {
            await Kubectl.SucceedAsync("patch", "pod", pod, "-n", ns, "--subresource=status", "--type=merge",
                "-p", """{"status":{"phase":"Running","podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}],"hostIP":"127.0.0.1"}}""");
        }
        await ApplyAsync(InjectorWebhookConfiguration);
        foreach (var file in new[] { "gateway.yaml", "backend-routing.yaml" })
        {
            await ApplyAsync(Fill(File.ReadAllText(Path.Combine(_layout.Root, "deploy", "local", file))));
        }

        var controlPlane = Spawn("control-plane", "Mesh.ControlPlane",
        [
            "--kubeconfig", Kubeconfig,
            "--grpc-port", DiscoveryPort.ToString(CultureInfo.InvariantCulture),
            "--http-port", ControlPlaneUrl.Port.ToString(CultureInfo.InvariantCulture),
            "--webhook-port", WebhookPort.ToString(CultureInfo.InvariantCulture),
            "--listen", "127.0.0.1",
            "--system-namespace", "istio-system",
        ]);
        await Readiness.WaitForHttpOkAsync(new Uri(ControlPlaneUrl, "/ready"), controlPlane, deadline.Token, "the control plane to serve from the cluster");

        // Proxies verify the control plane with the root the CA publishes in every namespace, as a pod mounts it.
        var rootFile = Path.Combine(_workDir, "root-cert.pem");
        await WaitUntilAsync(async () =>
        {
            var (exit, pem, _) = await Kubectl.RunAsync("get", "configmap", "istio-ca-root-cert", "-n", "default", "-o", "jsonpath={.data.root-cert\\.pem}");
            if (exit != 0 || !pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal)) return false;
            await File.WriteAllTextAsync(rootFile, pem);
            return true;
        }, deadline.Token, "the istio-ca-root-cert ConfigMap in namespace default");

        var proxies = new List<(MeshProcess Process, int AdminPort)>();
        for (var i = 0; i < Workloads.Count; i++)
        {
            var workload = Workloads[i];
            StartApp(workload);
            proxies.Add((Spawn(workload.Name + " sidecar", "Mesh.Proxy",
            [
                "sidecar",
                "--workload", workload.Name,
                "--namespace", "default",
                "--app", $"127.0.0.1:{workload.AppPort}",
                "--outbound-port", workload.OutboundPort.ToString(CultureInfo.InvariantCulture),
                "--admin-port", workload.AdminPort.ToString(CultureInfo.InvariantCulture),
                "--metrics-port", _ports[17 + i].ToString(CultureInfo.InvariantCulture),
                .. IdentityArgs("default", workload.Service, rootFile),
            ]), workload.AdminPort));
        }

        proxies.Add((Spawn(GatewayName, "Mesh.Proxy",
        [
            "router",
            "--workload", GatewayName,
            "--namespace", "istio-system",
            "--admin-port", GatewayAdminPort.ToString(CultureInfo.InvariantCulture),
            .. IdentityArgs("istio-system", "istio-ingressgateway-service-account", rootFile),
        ]), GatewayAdminPort));
        foreach (var (process, adminPort) in proxies)
        {
            await Readiness.WaitForHttpOkAsync(new Uri($"http://127.0.0.1:{adminPort}/ready"), process, deadline.Token, $"{process.Name} to apply its config");
        }
        await Readiness.WaitForHttpOkAsync(Gateway.BaseAddress!, proxies[^1].Process, deadline.Token, "the gateway to route to the frontend");
    }

    /// <summary>
    /// The pod's identity as a kubelet gives it: a token for the pod's service account with audience istio-ca in a
    /// file (read again before every request), the service account named on the command line, no labels (the control
    /// plane takes them from the Pod).
    /// </summary>
    private List<string> IdentityArgs(string ns, string serviceAccount, string rootFile)
    {
        var tokenFile = Path.Combine(_workDir, $"token-{ns}-{serviceAccount}");
        File.WriteAllText(tokenFile, Server.IssueServiceAccountToken(ns, serviceAccount, ["istio-ca"], TimeSpan.FromHours(1)));
        return
        [
            "--discovery", $"https://127.0.0.1:{DiscoveryPort}",
            "--service-account", serviceAccount,
            "--ca-token-file", tokenFile,
            "--ca-root-file", rootFile,
        ];
    }

    private void StartApp(LocalWorkload workload)
    {
        List<string> args = ["--service", workload.Service, "--version", workload.Version, "--namespace", "default", "--port", workload.AppPort.ToString(CultureInfo.InvariantCulture)];
        if (workload.Upstream is not null) args.AddRange(["--upstream", workload.Upstream]);
        Spawn(workload.Name, "Mesh.SampleApp", args, new Dictionary<string, string?> { ["HTTP_PROXY"] = $"http://127.0.0.1:{workload.OutboundPort}" });
    }

    private MeshProcess Spawn(string name, string project, IEnumerable<string> args, Dictionary<string, string?>? environment = null)
    {
        environment ??= [];
        foreach (var variable in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy" })
        {
            environment.TryAdd(variable, null);
        }
        environment["DOTNET_gcServer"] = "0";
        var process = MeshProcess.Start(name, _layout.Binary(project), args, environment, Path.Combine(LogDir, name.Replace(' ', '-') + ".log"), (_, _) => { });
        _processes.Add(process);
        return process;
    }

    private string Fill(string yaml) => yaml
        .Replace("{{gatewayPort}}", GatewayPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{{frontendInboundPort}}", Workloads[0].InboundPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{{backendV1InboundPort}}", Workloads[1].InboundPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{{backendV2InboundPort}}", Workloads[2].InboundPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken deadline, string what) => WaitUntilAsync(condition, deadline, () => what);

    /// <param name="what">What was awaited, and what was seen instead: asked only when the wait times out.</param>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken deadline, Func<string> what)
    {
        while (!await condition())
        {
            if (deadline.IsCancellationRequested) throw new TimeoutException($"timed out waiting for {what()}");
            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>What the control plane printed last: the first thing to read when a test fails.</summary>
    public string ControlPlaneOutput() => _processes.FirstOrDefault(p => p.Name == "control-plane")?.RecentOutput() ?? "";

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync(StopGrace);
            await _processes[i].DisposeAsync();
        }
        Gateway.Dispose();
        await Server.DisposeAsync();
    }

    // Istio's injector registration: namespaces labelled istio-injection=enabled, pods not opted out. The control plane
    // writes its CA bundle into caBundle at start-up.
    private const string InjectorWebhookConfiguration = """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: istio-sidecar-injector
          labels:
            istio.io/rev: default
        webhooks:
        - name: namespace.sidecar-injector.istio.io
          clientConfig:
            service:
              name: istiod
              namespace: istio-system
              path: /inject
              port: 443
          rules:
          - operations: [CREATE]
            apiGroups: [""]
            apiVersions: [v1]
            resources: [pods]
          namespaceSelector:
            matchLabels:
              istio-injection: enabled
          objectSelector:
            matchExpressions:
            - key: sidecar.istio.io/inject
              operator: NotIn
              values: ["false"]
          sideEffects: None
          admissionReviewVersions: [v1]
          failurePolicy: Fail
        """;
}
