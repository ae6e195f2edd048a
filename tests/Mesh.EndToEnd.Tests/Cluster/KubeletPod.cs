using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.EndToEnd.Tests.Containers;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// One pod of a Deployment, from its Pod object to its containers: the Pod is created through the API (so admission
/// webhooks mutate it, as the ReplicaSet controller's pods are), its volumes written, a sandbox container holding its
/// address and DNS names on the test network, its init containers run to completion (native sidecars, restartPolicy
/// Always, left running), then its containers; readiness
/// is probed from the host and written to the Pod's status. An exited container is reported, not restarted.
/// </summary>
internal sealed class KubeletPod
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly TestKubelet _kubelet;
    private readonly V1Pod _template;
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private V1Pod? _pod;
    private string _waiting = "";

    public KubeletPod(TestKubelet kubelet, V1Pod template, string ownerUid, string templateHash, string ip)
    {
        _kubelet = kubelet;
        _template = template;
        OwnerUid = ownerUid;
        TemplateHash = templateHash;
        Ip = ip;
    }

    public string Namespace => _template.Metadata.NamespaceProperty;
    public string Name => _template.Metadata.Name;
    public string OwnerUid { get; }
    public string TemplateHash { get; }
    public string Ip { get; }

    /// <summary>The pod as the API admitted it (null until created).</summary>
    public V1Pod? Pod => _pod;
    public IDictionary<string, string> Labels => _pod?.Metadata.Labels ?? _template.Metadata.Labels;
    public bool Running { get; private set; }
    public bool Ready { get; private set; }
    public string? Failure { get; private set; }
    public IReadOnlyList<string> Aliases { get; private set; } = [];

    /// <summary>Readiness probe attempts so far (tests wait on it, rather than sleeping, before asserting "not ready yet").</summary>
    public int ProbeAttempts => _probeAttempts;
    private int _probeAttempts;

    public string Sandbox => _kubelet.ContainerName(Namespace, Name, "sandbox");
    private string PodLabel => $"mesh.e2e.pod={Namespace}.{Name}";

    public void Start(IReadOnlyList<string> aliases)
    {
        Aliases = aliases;
        _run = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Stops the containers, deletes the Pod object (gone already when its namespace went) and the volumes.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // Stopped mid-start: what it started is removed below.
        }

        await DockerNetwork.RemoveContainersAsync(PodLabel);
        try
        {
            await _kubelet.Client.CoreV1.DeleteNamespacedPodAsync(Name, Namespace);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Deleted with its namespace, or by a user.
        }

        try
        {
            Directory.Delete(PodDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Never written.
        }

        _kubelet.Log($"pod {Namespace}/{Name} stopped");
    }

    /// <summary>Gives the sandbox the DNS names of the Services now selecting the pod (docker sets aliases only when it connects a container).</summary>
    public async Task SetAliasesAsync(IReadOnlyList<string> aliases)
    {
        if (!Running || aliases.SequenceEqual(Aliases)) return;
        Aliases = aliases;
        var network = _kubelet.Options.Network.Name;
        await DockerCli.CheckAsync(CommandTimeout, "network", "disconnect", network, Sandbox);
        await DockerCli.CheckAsync(CommandTimeout, ["network", "connect", "--ip", Ip, .. AliasArgs(aliases), network, Sandbox]);
        _kubelet.Log($"pod {Namespace}/{Name}: DNS names {string.Join(", ", aliases)}");
    }

    private string PodDir => Path.Combine(_kubelet.Options.WorkDir, "pods", $"{Namespace}.{Name}");

    private static IEnumerable<string> AliasArgs(IEnumerable<string> aliases) => aliases.SelectMany(a => new[] { "--network-alias", a });

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CreateAsync(cancellationToken);
            var pod = _pod!;
            var volumes = new PodVolumes(pod, _kubelet.Client, _kubelet.Options.ApiServer, PodDir, _kubelet.Options.PodStartTimeout);
            await volumes.PrepareAsync(WaitingAsync, cancellationToken);
            await WaitingAsync("starting containers");
            var image = _kubelet.Options.SandboxImage;
            await DockerCli.CheckAsync(CommandTimeout, ["run", "-d", "--name", Sandbox, "--label", _kubelet.Options.RunLabel, "--label", PodLabel,
                "--network", _kubelet.Options.Network.Name, "--ip", Ip, "--hostname", Name, .. AliasArgs(Aliases), "--read-only", image, "sleep", "infinity"]);

            var environment = new PodEnvironment(pod, _kubelet.Client, _kubelet.Options.InClusterApiServer, _kubelet.Options.PodStartTimeout);
            foreach (var init in pod.Spec.InitContainers ?? [])
            {
                var env = await environment.ResolveAsync(init, cancellationToken);
                var name = _kubelet.ContainerName(Namespace, Name, init.Name);
                if (init.RestartPolicy == "Always")
                {
                    // A native sidecar: started in order, and left running.
                    await DockerCli.CheckAsync(CommandTimeout, [.. Run(name, pod, init, env, volumes, detached: true)]);
                    continue;
                }

                var result = await DockerCli.RunAsync(CommandTimeout, [.. Run(name, pod, init, env, volumes, detached: false)]);
                if (result.Exit != 0) throw new InvalidOperationException($"init container {init.Name} exited {result.Exit}: {Tail(result.Out + result.Err)}");
            }

            foreach (var container in pod.Spec.Containers)
            {
                var env = await environment.ResolveAsync(container, cancellationToken);
                var name = _kubelet.ContainerName(Namespace, Name, container.Name);
                await DockerCli.CheckAsync(CommandTimeout, [.. Run(name, pod, container, env, volumes, detached: true)]);
            }

            Running = true;
            _waiting = "";
            _kubelet.Log($"pod {Namespace}/{Name} running at {Ip}");
            await WriteStatusAsync(cancellationToken);
            await ProbeAsync(pod, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            Failure = e.Message;
            Ready = false;
            _kubelet.Log($"pod {Namespace}/{Name} failed: {e.Message}");
            try
            {
                await WriteStatusAsync(cancellationToken);
            }
            catch (HttpOperationException)
            {
                // The Pod object is gone or was never admitted: the failure stays in the kubelet's log.
            }
        }
    }

    private List<string> Run(string name, V1Pod pod, V1Container container, Dictionary<string, string> env, PodVolumes volumes, bool detached) =>
        ContainerRun.Arguments(name, Sandbox, [_kubelet.Options.RunLabel, PodLabel], pod.Spec, container, env, volumes, detached);

    /// <summary>Creates the Pod object, retrying while admission refuses it (a webhook not serving yet), up to the start bound.</summary>
    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var last = "";
        await Wait.UntilAsync(async () =>
        {
            try
            {
                _pod = await _kubelet.Client.CoreV1.CreateNamespacedPodAsync(_template, Namespace, cancellationToken: cancellationToken);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode != HttpStatusCode.NotFound)
            {
                if (last != e.Response.Content) _kubelet.Log($"pod {Namespace}/{Name}: create refused: {e.Response.Content}");
                last = e.Response.Content;
                return false;
            }
        }, _kubelet.Options.PodStartTimeout, () => $"the API to admit pod {Namespace}/{Name} (last: {last})", cancellationToken);
        _pod!.Status = new V1PodStatus { PodIP = Ip, PodIPs = [new V1PodIP { Ip = Ip }], HostIP = _kubelet.Options.Network.Gateway };
        await WaitingAsync("preparing volumes");
    }

    private async Task WaitingAsync(string what)
    {
        _waiting = what;
        await WriteStatusAsync(CancellationToken.None);
    }

    /// <summary>Probes every period (at most a second, so tests are quick) until stopped; checks the containers still run.</summary>
    private async Task ProbeAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var probes = pod.Spec.Containers.Where(c => c.ReadinessProbe is not null).ToList();
        var first = probes.Count == 0 ? 0 : probes.Min(c => c.ReadinessProbe.InitialDelaySeconds ?? 0);
        var period = TimeSpan.FromSeconds(Math.Min(1, probes.Count == 0 ? 1 : probes.Min(c => c.ReadinessProbe.PeriodSeconds ?? 10)));
        await Task.Delay(TimeSpan.FromSeconds(first), cancellationToken);
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            var ready = true;
            foreach (var container in probes)
            {
                var name = _kubelet.ContainerName(Namespace, Name, container.Name);
                var passed = await ReadinessProbe.ProbeAsync(_kubelet.Http, container.ReadinessProbe, container, Ip, name, cancellationToken);
                failures[container.Name] = passed ? 0 : failures.GetValueOrDefault(container.Name) + 1;
                // Once ready, a container stays ready until failureThreshold probes in a row fail.
                ready &= passed || (Ready && failures[container.Name] < (container.ReadinessProbe.FailureThreshold ?? 3));
            }

            Interlocked.Increment(ref _probeAttempts);
            if (await ExitedAsync(pod, cancellationToken) is { } exited) throw new InvalidOperationException(exited);
            if (ready != Ready)
            {
                Ready = ready;
                _kubelet.Log($"pod {Namespace}/{Name} {(ready ? "ready" : "not ready")}");
                await WriteStatusAsync(cancellationToken);
            }

            await Task.Delay(period, cancellationToken);
        }
    }

    /// <summary>The first container that is no longer running, with its exit code and last lines; null while all run.</summary>
    private async Task<string?> ExitedAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var names = pod.Spec.Containers.Select(c => _kubelet.ContainerName(Namespace, Name, c.Name)).ToList();
        var states = await DockerCli.RunAsync(CommandTimeout, ["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", .. names]);
        var lines = states.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < names.Count; i++)
        {
            if (i < lines.Length && lines[i].StartsWith("true", StringComparison.Ordinal)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            var logs = await DockerCli.RunAsync(CommandTimeout, "logs", "--tail", "15", names[i]);
            var code = i < lines.Length ? lines[i].Split(' ')[^1] : "?";
            return $"container {pod.Spec.Containers[i].Name} exited {code}: {Tail(logs.Out + logs.Err)}";
        }

        return null;
    }

    private static string Tail(string output) => string.Join(" | ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(15));

    /// <summary>The Pod's status as a kubelet writes it: phase, address, conditions and one status per container.</summary>
    private async Task WriteStatusAsync(CancellationToken cancellationToken)
    {
        if (_pod is null) return;
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var message = Failure ?? _waiting;
        var containers = _pod.Spec.Containers.Select(c => new Dictionary<string, object?>
        {
            ["name"] = c.Name,
            ["image"] = c.Image,
            ["imageID"] = "",
            ["ready"] = Ready,
            ["started"] = Running && Failure is null,
            ["restartCount"] = 0,
            ["state"] = Running && Failure is null
                ? new Dictionary<string, object?> { ["running"] = new Dictionary<string, object?> { ["startedAt"] = now } }
                : new Dictionary<string, object?> { ["waiting"] = new Dictionary<string, object?> { ["reason"] = Failure is null ? "ContainerCreating" : "Error", ["message"] = message } },
        }).ToList();
        Dictionary<string, object?> Condition(string type, bool status, string? reason = null) => new()
        {
            ["type"] = type,
            ["status"] = status ? "True" : "False",
            ["lastTransitionTime"] = now,
            ["reason"] = reason,
            ["message"] = status ? null : message,
        };
        var status = new Dictionary<string, object?>
        {
            ["phase"] = Running ? "Running" : "Pending",
            ["podIP"] = Ip,
            ["podIPs"] = new[] { new Dictionary<string, object?> { ["ip"] = Ip } },
            ["hostIP"] = _kubelet.Options.Network.Gateway,
            ["startTime"] = now,
            ["conditions"] = new[]
            {
                Condition("PodScheduled", true),
                Condition("Initialized", Running),
                Condition("ContainersReady", Ready, Ready ? null : "ContainersNotReady"),
                Condition("Ready", Ready, Ready ? null : "ContainersNotReady"),
            },
            ["containerStatuses"] = containers,
        };
        var patch = JsonSerializer.Serialize(new Dictionary<string, object?> { ["status"] = status });
        _pod = await _kubelet.Client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), Name, Namespace,
            cancellationToken: cancellationToken);
    }
}
