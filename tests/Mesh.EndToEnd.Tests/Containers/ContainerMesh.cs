using System.Globalization;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// The mesh as pods in Docker containers, started the way a kubelet starts them: per pod a sandbox container holding
/// the network namespace, the capture init container (mesh-proxy iptables, root with NET_ADMIN and NET_RAW) run to
/// completion, then the application and the sidecar (uid 1337) sharing that namespace. A control-plane container serves
/// them from a folder of Istio YAML; everything sits on a network of the run's own, removed with every container at
/// the end. Names carry the run's id and every container its label, so runs never meet.
/// </summary>
internal sealed class ContainerMesh : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly string _label;
    private readonly List<string> _log = [];

    private ContainerMesh(string image, string runId, ContainerPods pods, string workDir)
    {
        Image = image;
        RunId = runId;
        Pods = pods;
        WorkDir = workDir;
        _label = "mesh.e2e.run=" + runId;
    }

    public string Image { get; }
    public string RunId { get; }
    public ContainerPods Pods { get; }
    public string WorkDir { get; }
    public string Network => $"mesh-e2e-{RunId}";
    public string ConfigDir => Path.Combine(WorkDir, "config");
    private string MeshConfigDir => Path.Combine(WorkDir, "mesh");
    private string CaDir => Path.Combine(WorkDir, "ca");

    /// <summary>The tools container: on the network, outside every pod, where the test reads the pods' readiness and metrics ports.</summary>
    public string Tools => Name("tools");
    public string ControlPlane => Name("control-plane");
    public string Outside => Name("outside");

    /// <summary>A pod's container by role: sandbox, app or sidecar.</summary>
    public string Container(string pod, string role) => Name($"{pod}-{role}");

    public static async Task<ContainerMesh> StartAsync(string image)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var workDir = Path.Combine(Path.GetTempPath(), "mesh-containers-" + runId);
        Directory.CreateDirectory(workDir);
        var label = "mesh.e2e.run=" + runId;
        DockerNetwork network;
        try
        {
            network = await DockerNetwork.CreateAsync($"mesh-e2e-{runId}", label);
        }
        catch (InvalidOperationException)
        {
            Directory.Delete(workDir, recursive: true);
            throw;
        }

        var mesh = new ContainerMesh(image, runId, new ContainerPods(network.SubnetOctet), workDir);
        try
        {
            await mesh.StartAllAsync();
            return mesh;
        }
        catch (Exception e)
        {
            var diagnostics = await mesh.DiagnosticsAsync();
            await mesh.DisposeAsync();
            throw new InvalidOperationException($"{e.Message}\n{diagnostics}", e);
        }
    }

    /// <summary>Runs a command in a running container, as the container's user.</summary>
    public Task<DockerResult> ExecAsync(string container, string[] command, TimeSpan? timeout = null) =>
        DockerCli.RunAsync(timeout ?? CommandTimeout, ["exec", container, .. command]);

    /// <summary>A sidecar's admin endpoint (loopback only, as Envoy's in a pod), read from inside its own container.</summary>
    public async Task<string> AdminAsync(string pod, string path)
    {
        var (status, body) = await CurlAsync(Container(pod, "sidecar"), $"http://127.0.0.1:{ContainerPods.AdminPort}{path}");
        return status == "200" ? body : throw new InvalidOperationException($"{pod}'s admin {path}: {status} {body}");
    }

    /// <summary>An HTTP GET with curl from a container: the status (000 when none came), then the body.</summary>
    public async Task<(string Status, string Body)> CurlAsync(string container, string url, params string[] curlArgs)
    {
        var result = await ExecAsync(container, ["curl", "-s", "-m", "5", "-w", "\n%{http_code}", .. curlArgs, url]);
        var text = result.Out.TrimEnd();
        var newline = text.LastIndexOf('\n');
        return newline < 0 ? (text, "") : (text[(newline + 1)..], text[..newline]);
    }

    /// <summary>Sends one line over plain TCP from a container and returns what came back within the timeout (bash's /dev/tcp).</summary>
    public async Task<string> TcpEchoAsync(string container, string address, int port, string line)
    {
        var script = $"exec 3<>/dev/tcp/{address}/{port} && printf '%s\\n' '{line}' >&3 && timeout 5 head -n 1 <&3";
        var result = await ExecAsync(container, ["timeout", "8", "bash", "-c", script]);
        return result.Out.Trim();
    }

    /// <summary>Runs <c>mesh-proxy iptables ARGS</c> in a pod's namespace as its init container runs it (root, NET_ADMIN, NET_RAW).</summary>
    public Task<DockerResult> RunCaptureAsync(string pod, params string[] args) =>
        DockerCli.RunAsync(CommandTimeout, ["run", "--rm", "--label", _label, "--network", $"container:{Container(pod, "sandbox")}",
            "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--user", "0", "--read-only", Image, "mesh-proxy", "iptables", .. args]);

    /// <summary>The pod's NAT table under both iptables backends (iptables-save, as root with NET_ADMIN).</summary>
    public async Task<string> NatRulesAsync(string pod)
    {
        var result = await DockerCli.RunAsync(CommandTimeout, ["run", "--rm", "--label", _label, "--network", $"container:{Container(pod, "sandbox")}",
            "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--user", "0", "--read-only", Image,
            "sh", "-c", "iptables-nft-save -t nat 2>/dev/null; iptables-legacy-save -t nat 2>/dev/null; true"]);
        return result.Out;
    }

    /// <summary>Rewrites the mesh config (outboundTrafficPolicy) the way an operator edits the istio ConfigMap: the file replaced at once.</summary>
    public async Task SetOutboundTrafficPolicyAsync(string mode)
    {
        var temp = Path.Combine(MeshConfigDir, ".mesh.yaml.tmp");
        await File.WriteAllTextAsync(temp, ContainerMeshConfig.Mesh(mode));
        File.Move(temp, Path.Combine(MeshConfigDir, "mesh.yaml"), overwrite: true);
    }

    /// <summary>Whether the control plane in the image reads a mesh config file (--mesh-config).</summary>
    public bool ReadsMeshConfig { get; private set; }

    /// <summary>A container's whole output (a sidecar's access log is on its stdout).</summary>
    public async Task<string> OutputAsync(string container)
    {
        var result = await DockerCli.RunAsync(CommandTimeout, "logs", container);
        return result.Out;
    }

    /// <summary>A container's output, for failure messages.</summary>
    public async Task<string> LogsAsync(string container)
    {
        var result = await DockerCli.RunAsync(CommandTimeout, "logs", "--tail", "40", container);
        return $"--- {container} ---\n{result.Out}{result.Err}";
    }

    /// <summary>Every container's last lines and what the start-up did: the message a failed start or assertion needs.</summary>
    public async Task<string> DiagnosticsAsync()
    {
        var parts = new List<string> { "start-up: " + string.Join("; ", _log) };
        var names = await DockerCli.RunAsync(CommandTimeout, "ps", "-a", "--filter", "label=" + _label, "--format", "{{.Names}} {{.Status}}");
        parts.Add(names.Out);
        foreach (var line in names.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (!name.EndsWith("-sandbox", StringComparison.Ordinal) && !name.EndsWith("-tools", StringComparison.Ordinal)) parts.Add(await LogsAsync(name));
        }

        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        // Containers first (the network cannot go while one is attached), found by the run's label so a half-started
        // run leaves nothing behind either.
        await DockerNetwork.RemoveContainersAsync(_label);
        await DockerCli.RunAsync(CommandTimeout, "network", "rm", Network);
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // A file the control plane's container still held: the temp folder is left for the machine to clear.
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes; the failure says what was seen last.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested) throw new TimeoutException($"waited {timeout.TotalSeconds:0}s for {what()}");
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                // The deadline passed while waiting: one last look at the condition, then the failure.
            }
        }
    }

    private string Name(string role) => $"mesh-e2e-{RunId}-{role}";

    private async Task StartAllAsync()
    {
        // The CA and the bootstrap-token secret made here, so the test mints each pod's token as a node agent would.
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(MeshConfigDir);
        CertificateAuthorityFolder.LoadOrCreate(CaDir, SpiffeId.DefaultTrustDomain, TimeProvider.System);
        var tokens = BootstrapToken.LoadOrCreate(CaDir);
        var rootCert = Path.Combine(CaDir, CertificateAuthorityFolder.RootCertFile);
        if (!OperatingSystem.IsWindows())
        {
            // The root is public, and the sidecars (uid 1337) read it through a bind mount.
            File.SetUnixFileMode(rootCert, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "mesh.yaml"), ContainerMeshConfig.Services(Pods));
        await SetOutboundTrafficPolicyAsync("ALLOW_ANY");

        var help = await DockerCli.RunAsync(CommandTimeout, "run", "--rm", "--label", _label, Image, "mesh-control-plane", "--help");
        ReadsMeshConfig = help.Out.Contains("--mesh-config", StringComparison.Ordinal);

        // The tools container and the server outside the mesh: plain containers on the network, no sidecar.
        await RunDetachedAsync(Tools, ["--network", Network, "--ip", Pods.Tools, "--user", $"{ContainerPods.AppUid}"], ["sleep", "infinity"]);
        await RunDetachedAsync(Outside, ["--network", Network, "--ip", Pods.Outside, "--user", $"{ContainerPods.AppUid}"],
            ["mesh-sample-app", "--service", "outside", "--version", "v1", "--listen", "0.0.0.0", "--port", $"{ContainerPods.AppPort}",
             "--tcp-echo-port", $"{ContainerPods.EchoPort}", "--https-port", $"{ContainerPods.HttpsPort}"]);

        // The control plane as the test's own user, so it reads the folders the test wrote (mounted read-only).
        List<string> controlPlaneArgs =
        [
            "mesh-control-plane", "--config-dir", "/etc/mesh/config", "--ca-dir", "/etc/mesh/ca", "--listen", "0.0.0.0",
            "--grpc-port", $"{ContainerPods.DiscoveryPort}", "--http-port", $"{ContainerPods.ControlPlaneHttpPort}",
        ];
        if (ReadsMeshConfig) controlPlaneArgs.AddRange(["--mesh-config", "/etc/mesh/mesh/mesh.yaml"]);
        await RunDetachedAsync(ControlPlane,
            ["--network", Network, "--ip", Pods.ControlPlane, "--user", OwnUser(),
             "-v", $"{ConfigDir}:/etc/mesh/config:ro", "-v", $"{CaDir}:/etc/mesh/ca:ro", "-v", $"{MeshConfigDir}:/etc/mesh/mesh:ro"],
            controlPlaneArgs);
        await WaitForHttpAsync($"http://{Pods.ControlPlane}:{ContainerPods.ControlPlaneHttpPort}/ready", ControlPlane);

        List<(string Pod, string Address)> meshPods = [("a", Pods.A), ("b1", Pods.B1), ("b2", Pods.B2), ("echo", Pods.Echo)];
        foreach (var (pod, address) in meshPods)
        {
            await StartPodAsync(pod, address, tokens, rootCert);
        }

        foreach (var (pod, address) in meshPods)
        {
            await WaitForHttpAsync($"http://{address}:{ContainerPods.ReadinessPort}/healthz/ready", Container(pod, "sidecar"));
        }

        _log.Add("every sidecar ready");
    }

    private async Task StartPodAsync(string pod, string address, BootstrapToken tokens, string rootCert)
    {
        var (workload, app, version, command) = pod switch
        {
            "a" => ("a", "a", "v1", new[] { "sleep", "infinity" }),
            "b1" => ("b-v1", "b", "v1", SampleApp("b", "v1")),
            "b2" => ("b-v2", "b", "v2", SampleApp("b", "v2")),
            _ => ("echo-v1", "echo", "v1", [.. SampleApp("echo", "v1"), "--tcp-echo-port", $"{ContainerPods.EchoPort}"]),
        };
        var sandbox = Container(pod, "sandbox");
        await RunDetachedAsync(sandbox, ["--network", Network, "--ip", address, "--hostname", workload], ["sleep", "infinity"]);

        // The init container, to completion, before anything else of the pod starts.
        var capture = await RunCaptureAsync(pod, ContainerPods.CaptureArgs);
        if (capture.Exit != 0) throw new InvalidOperationException($"pod {pod}: the capture init container failed: {capture}");
        _log.Add($"pod {pod} captured");

        var shared = new[] { "--network", $"container:{sandbox}" };
        await RunDetachedAsync(Container(pod, "app"), [.. shared, "--user", $"{ContainerPods.AppUid}"], command);
        var token = tokens.Create(new SpiffeId(SpiffeId.DefaultTrustDomain, "default", app));
        await RunDetachedAsync(Container(pod, "sidecar"),
            [.. shared, "--user", $"{ContainerPods.ProxyUid}", "-e", "MESH_CA_TOKEN=" + token, "-v", $"{rootCert}:/etc/mesh/ca-root/root-cert.pem:ro"],
            ["mesh-proxy", "sidecar", "--workload", workload, "--namespace", "default",
             "--discovery", $"https://{Pods.ControlPlane}:{ContainerPods.DiscoveryPort}",
             "--app", $"127.0.0.1:{ContainerPods.AppPort}", "--outbound-port", $"{ContainerPods.OutboundPort}",
             "--inbound-capture-port", $"{ContainerPods.InboundCapturePort}", "--admin-port", $"{ContainerPods.AdminPort}",
             "--metrics-port", $"{ContainerPods.MetricsPort}", "--readiness-port", $"{ContainerPods.ReadinessPort}", "--bind", address, "--label", $"app={app}", "--label", $"version={version}",
             "--trace-sampling", "100", "--access-log", "text", "--ca-root-file", "/etc/mesh/ca-root/root-cert.pem"]);
        _log.Add($"pod {pod} started");
    }

    /// <summary>The sample app on every address, as a pod's app usually listens: capture, not the bind address, keeps it behind the sidecar.</summary>
    private static string[] SampleApp(string service, string version) =>
        ["mesh-sample-app", "--service", service, "--version", version, "--listen", "0.0.0.0", "--port", $"{ContainerPods.AppPort}"];

    private async Task RunDetachedAsync(string name, string[] options, IEnumerable<string> command)
    {
        await DockerCli.CheckAsync(CommandTimeout, ["run", "-d", "--name", name, "--label", _label, "--read-only", .. options, Image, .. command]);
        _log.Add(name[(Network.Length + 1)..] + " running");
    }

    /// <summary>Polls a URL from the tools container until it answers 200; fails early when the container it waits for has exited.</summary>
    private async Task WaitForHttpAsync(string url, string container)
    {
        var last = "";
        await WaitUntilAsync(async () =>
        {
            var (status, body) = await CurlAsync(Tools, url);
            last = $"{status} {body}";
            if (status == "200") return true;
            var state = await DockerCli.RunAsync(CommandTimeout, "inspect", "-f", "{{.State.Running}}", container);
            return state.Out.Trim() == "false" ? throw new InvalidOperationException($"{container} exited while the test waited for {url}") : false;
        }, StartTimeout, () => $"{url} to answer 200 (last: {last})");
        _log.Add(url + " ok");
    }

    /// <summary>This process's uid:gid, from /proc (what the kernel checks the bind-mounted files against).</summary>
    private static string OwnUser()
    {
        string Field(string[] lines, string name) => lines.First(l => l.StartsWith(name, StringComparison.Ordinal)).Split('\t')[1];
        var status = File.ReadAllLines("/proc/self/status");
        return $"{Field(status, "Uid:")}:{Field(status, "Gid:")}";
    }
}
