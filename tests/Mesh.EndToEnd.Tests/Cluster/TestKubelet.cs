using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.EndToEnd.Tests.Containers;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// A kubelet and the controllers around it, for tests: it polls the test API server's Deployments and, for each
/// replica, creates a ReplicaSet and Pods as the Deployment controller would and runs them as Docker containers on the
/// test network (<see cref="KubeletPod"/>); it writes Deployment status (what a rollout waits for) and EndpointSlices
/// for the Services selecting its pods (what the control plane builds its registry from). A changed pod template
/// replaces the pods (Recreate); a deleted Deployment or namespace, or a deleted Pod object, stops its containers.
/// Bounded to <see cref="KubeletOptions.MaxPods"/> pods. Not honoured: restarts, liveness and startup probes,
/// resources, node selection, StatefulSets, DaemonSets and Jobs.
/// </summary>
internal sealed class TestKubelet : IAsyncDisposable
{
    private static readonly TimeSpan SyncPeriod = TimeSpan.FromMilliseconds(250);
    private readonly ConcurrentDictionary<string, KubeletPod> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Dictionary<string, string> _statusWritten = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _replicaSets = new(StringComparer.Ordinal);
    private readonly EndpointSliceWriter _slices;
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private int _nextHost = 10;
    private string _lastError = "";

    private TestKubelet(KubeletOptions options)
    {
        Options = options;
        Client = new k8s.Kubernetes(options.ApiServer.ClientConfiguration());
        Http = new HttpClient(new SocketsHttpHandler
        {
            // A kubelet's HTTPS probes do not verify the pod's certificate.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            PooledConnectionLifetime = TimeSpan.Zero,
        });
        _slices = new EndpointSliceWriter(Client);
        _loop = Task.Run(() => LoopAsync(_stop.Token));
    }

    public KubeletOptions Options { get; }
    public k8s.Kubernetes Client { get; }
    public HttpClient Http { get; }

    public static TestKubelet Start(KubeletOptions options) => new(options);

    /// <summary>The Docker container running a pod's container (or its "sandbox").</summary>
    public string ContainerName(string ns, string pod, string container) => $"{Options.NamePrefix}-{ns}-{pod}-{container}";

    /// <summary>The pods the kubelet runs now.</summary>
    public IReadOnlyCollection<KubeletPod> Pods => [.. _pods.Values];

    public KubeletPod? FindPod(string ns, string name) => _pods.GetValueOrDefault($"{ns}/{name}");

    public void Log(string line)
    {
        _log.Enqueue($"{_clock.Elapsed.TotalSeconds,6:0.0}s {line}");
        while (_log.Count > 2000) _log.TryDequeue(out _);
    }

    /// <summary>What the kubelet did, the containers of the run and their last lines: the message a failed wait needs.</summary>
    public async Task<string> DiagnosticsAsync()
    {
        List<string> parts = ["kubelet:", .. _log];
        var names = await DockerCli.RunAsync(TimeSpan.FromSeconds(30), "ps", "-a", "--filter", "label=" + Options.RunLabel, "--format", "{{.Names}} {{.Status}}");
        parts.Add(names.Out);
        foreach (var line in names.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = line.Split(' ')[0];
            if (name.EndsWith("-sandbox", StringComparison.Ordinal)) continue;
            var logs = await DockerCli.RunAsync(TimeSpan.FromSeconds(30), "logs", "--tail", "25", name);
            parts.Add($"--- {name} ---\n{logs.Out}{logs.Err}");
        }

        return string.Join('\n', parts);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        foreach (var pod in _pods.Values) await pod.StopAsync();
        Client.Dispose();
        Http.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The API answered something unexpected: logged once per distinct error, tried again next period.
                if (e.Message != _lastError) Log("sync failed: " + (e is HttpOperationException h ? h.Response.Content : e.Message));
                _lastError = e.Message;
            }

            await Task.Delay(SyncPeriod, cancellationToken);
        }
    }

    private async Task SyncAsync(CancellationToken cancellationToken)
    {
        var deployments = (await Client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken)).Items;
        var services = (await Client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: cancellationToken)).Items;
        var podObjects = (await Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken)).Items
            .Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}").ToHashSet(StringComparer.Ordinal);
        var byUid = deployments.ToDictionary(d => d.Metadata.Uid, StringComparer.Ordinal);

        // Pods whose Deployment is gone, whose template changed, or whose Pod object was deleted.
        foreach (var (key, pod) in _pods)
        {
            var gone = !byUid.TryGetValue(pod.OwnerUid, out var owner) || pod.TemplateHash != TemplateHash(owner)
                || (pod.Pod is not null && !podObjects.Contains(key));
            if (!gone) continue;
            _pods.TryRemove(key, out _);
            await pod.StopAsync();
        }

        foreach (var deployment in deployments)
        {
            await SyncDeploymentAsync(deployment, services, cancellationToken);
        }

        foreach (var pod in _pods.Values)
        {
            await pod.SetAliasesAsync(Aliases(pod.Namespace, pod.Labels, services));
        }

        await _slices.SyncAsync(services, _pods.Values, cancellationToken);
    }

    private async Task SyncDeploymentAsync(V1Deployment deployment, IList<V1Service> services, CancellationToken cancellationToken)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var hash = TemplateHash(deployment);
        var desired = deployment.Spec.Replicas ?? 1;
        var replicaSet = $"{deployment.Metadata.Name}-{hash}";
        var mine = _pods.Values.Where(p => p.OwnerUid == deployment.Metadata.Uid).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var replicaSetUid = mine.Count < desired ? await EnsureReplicaSetAsync(deployment, replicaSet, hash, cancellationToken) : "";
        while (mine.Count < desired)
        {
            if (_pods.Count >= Options.MaxPods)
            {
                Log($"deployment {ns}/{deployment.Metadata.Name} waits: the kubelet runs at most {Options.MaxPods} pods");
                break;
            }

            var pod = NewPod(deployment, replicaSet, replicaSetUid, hash);
            var host = NextHost();
            var running = new KubeletPod(this, pod, deployment.Metadata.Uid, hash, Options.Network.Address(host));
            _pods[$"{ns}/{pod.Metadata.Name}"] = running;
            running.Start(Aliases(ns, pod.Metadata.Labels, services));
            Log($"pod {ns}/{pod.Metadata.Name} of deployment {deployment.Metadata.Name} at {running.Ip}");
            mine.Add(running);
        }

        while (mine.Count > desired)
        {
            var surplus = mine[^1];
            mine.RemoveAt(mine.Count - 1);
            _pods.TryRemove($"{ns}/{surplus.Name}", out _);
            await surplus.StopAsync();
        }

        await WriteStatusAsync(deployment, mine, desired, cancellationToken);
    }

    /// <summary>The ReplicaSet the pods name as their controller (Istio and Kiali read the Deployment's name from it).</summary>
    private async Task<string> EnsureReplicaSetAsync(V1Deployment deployment, string name, string hash, CancellationToken cancellationToken)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        if (_replicaSets.TryGetValue($"{ns}/{name}", out var known)) return known;
        var labels = new Dictionary<string, string>(deployment.Spec.Template.Metadata?.Labels ?? new Dictionary<string, string>()) { ["pod-template-hash"] = hash };
        var replicaSet = new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, NamespaceProperty = ns, Labels = labels,
                OwnerReferences = [Owner("apps/v1", "Deployment", deployment.Metadata.Name, deployment.Metadata.Uid)],
            },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = deployment.Spec.Replicas ?? 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(deployment.Spec.Selector.MatchLabels ?? new Dictionary<string, string>()) { ["pod-template-hash"] = hash } },
                Template = deployment.Spec.Template,
            },
        };
        V1ReplicaSet made;
        try
        {
            made = await Client.AppsV1.CreateNamespacedReplicaSetAsync(replicaSet, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Left by an earlier Deployment of that name and template.
            made = await Client.AppsV1.ReadNamespacedReplicaSetAsync(name, ns, cancellationToken: cancellationToken);
        }

        return _replicaSets[$"{ns}/{name}"] = made.Metadata.Uid;
    }

    private static V1Pod NewPod(V1Deployment deployment, string replicaSet, string replicaSetUid, string hash)
    {
        var template = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(deployment.Spec.Template));
        var labels = new Dictionary<string, string>(template.Metadata?.Labels ?? new Dictionary<string, string>()) { ["pod-template-hash"] = hash };
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]));
        template.Spec.NodeName ??= "mesh-e2e-node";
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = $"{replicaSet}-{suffix}",
                NamespaceProperty = deployment.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata?.Annotations,
                OwnerReferences = [Owner("apps/v1", "ReplicaSet", replicaSet, replicaSetUid)],
            },
            Spec = template.Spec,
        };
    }

    private static V1OwnerReference Owner(string apiVersion, string kind, string name, string uid) =>
        new() { ApiVersion = apiVersion, Kind = kind, Name = name, Uid = uid, BlockOwnerDeletion = true, Controller = true };

    /// <summary>The Deployment's status as its controller writes it, written only when it changed.</summary>
    private async Task WriteStatusAsync(V1Deployment deployment, List<KubeletPod> pods, int desired, CancellationToken cancellationToken)
    {
        var hash = TemplateHash(deployment);
        var updated = pods.Count(p => p.TemplateHash == hash);
        var ready = pods.Count(p => p.Ready);
        var complete = updated == desired && ready == desired && pods.Count == desired;
        var status = new Dictionary<string, object?>
        {
            ["observedGeneration"] = deployment.Metadata.Generation,
            ["replicas"] = pods.Count,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["unavailableReplicas"] = Math.Max(0, desired - ready),
            ["conditions"] = new[]
            {
                Condition("Available", ready >= desired, ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"),
                Condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated"),
            },
        };
        var key = deployment.Metadata.Uid;
        var json = JsonSerializer.Serialize(status);
        if (_statusWritten.TryGetValue(key, out var written) && written == json && deployment.Status?.ObservedGeneration == deployment.Metadata.Generation) return;
        var patch = JsonSerializer.Serialize(new Dictionary<string, object?> { ["status"] = status });
        await Client.AppsV1.PatchNamespacedDeploymentStatusAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch),
            deployment.Metadata.Name, deployment.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        _statusWritten[key] = json;
    }

    private static Dictionary<string, object?> Condition(string type, bool status, string reason) => new()
    {
        ["type"] = type,
        ["status"] = status ? "True" : "False",
        ["reason"] = reason,
        ["lastUpdateTime"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>NAME.NS.svc, NAME.NS.svc.cluster.local and NAME.NS for every Service of the namespace selecting these labels.</summary>
    private static List<string> Aliases(string ns, IDictionary<string, string>? labels, IList<V1Service> services)
    {
        var aliases = new List<string>();
        foreach (var service in services)
        {
            if (service.Metadata.NamespaceProperty != ns || !EndpointSliceWriter.Selects(service, labels)) continue;
            var name = service.Metadata.Name;
            aliases.AddRange([$"{name}.{ns}.svc", $"{name}.{ns}.svc.cluster.local", $"{name}.{ns}"]);
        }

        aliases.Sort(StringComparer.Ordinal);
        return aliases;
    }

    /// <summary>The next address of the network's pod range (.10 to .250), round robin so a stopped pod's address is not reused at once.</summary>
    private int NextHost()
    {
        var inUse = _pods.Values.Select(p => p.Ip).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < 241; i++)
        {
            var host = _nextHost;
            _nextHost = _nextHost >= 250 ? 10 : _nextHost + 1;
            if (!inUse.Contains(Options.Network.Address(host))) return host;
        }

        throw new InvalidOperationException("no free pod address on the test network");
    }

    private static string TemplateHash(V1Deployment deployment)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(deployment.Spec.Template)));
        return Convert.ToHexString(bytes, 0, 5).ToLowerInvariant();
    }
}
