using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Keeps the mesh's root certificate in every namespace as the ConfigMap <c>istio-ca-root-cert</c> (key
/// <c>root-cert.pem</c>, label <c>istio.io/config: "true"</c>), as istiod's namespace controller does: created when a
/// namespace appears, created again when deleted, its certificate put back when edited. Proxies mount it to trust the
/// control plane. One namespace is reconciled at a time, from the informers' caches; a failed write is retried with
/// backoff, then left until the namespace or its ConfigMap changes again.
/// </summary>
internal sealed class RootCertificatePublisher : IAsyncDisposable
{
    public const string ConfigMapName = "istio-ca-root-cert";
    public const string DataKey = "root-cert.pem";
    public const string ConfigLabel = "istio.io/config";
    public const int MaxAttempts = 5;

    // istiod's: the injector's ignored namespaces, except kube-system (where ztunnel may run and needs the root).
    private static readonly HashSet<string> IgnoredNamespaces = new(StringComparer.Ordinal) { "kube-public", "kube-node-lease", "local-path-storage" };

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly IKubernetesCaApi _api;
    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IInformer<V1ConfigMap> _configMaps;
    private readonly string _rootPem;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    // A namespace waits in the queue at most once, however many events name it.
    private readonly ConcurrentDictionary<string, bool> _queued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public RootCertificatePublisher(IKubernetesCaApi api, IInformer<V1Namespace> namespaces, IInformer<V1ConfigMap> configMaps,
        string rootPem, TimeProvider time, ILogger logger)
    {
        _api = api;
        _namespaces = namespaces;
        _configMaps = configMaps;
        _rootPem = rootPem;
        _time = time;
        _logger = logger;
    }

    /// <summary>Starts publishing once both caches have synced (the informers are started by their owner).</summary>
    public void Start()
    {
        _namespaces.Changed += OnNamespaceChanged;
        _configMaps.Changed += OnConfigMapChanged;
        _loop = RunAsync(_stopping.Token);
    }

    private void OnNamespaceChanged(InformerEventKind kind, V1Namespace ns)
    {
        if (kind != InformerEventKind.Deleted) Enqueue(ns.Name());
    }

    private void OnConfigMapChanged(InformerEventKind kind, V1ConfigMap configMap)
    {
        if (configMap.Name() == ConfigMapName && configMap.Namespace() is { } ns) Enqueue(ns);
    }

    private void Enqueue(string ns)
    {
        if (_queued.TryAdd(ns, true)) _queue.Writer.TryWrite(ns);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _configMaps.WaitForSyncAsync(cancellationToken));
            var all = _namespaces.List();
            foreach (var ns in all)
            {
                await ReconcileAsync(ns.Name(), cancellationToken);
            }

            KubernetesCaLog.RootPublisherSynced(_logger, ConfigMapName, all.Count);
            await foreach (var ns in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                _queued.TryRemove(ns, out _);
                await ReconcileAsync(ns, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(ns, cancellationToken);
            _failures.TryRemove(ns, out _);
        }
        // Whatever went wrong with one namespace (the API server's answer, the connection, a response it could not
        // read) is that namespace's to retry: the loop goes on serving the others.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var attempt = _failures.AddOrUpdate(ns, 1, (_, n) => n + 1);
            if (attempt < MaxAttempts)
            {
                var delay = FirstRetryDelay * (1 << (attempt - 1));
                KubernetesCaLog.RootPublishFailed(_logger, ns, ConfigMapName, attempt, KubernetesApiError.Describe(ex), $"retrying in {delay.TotalMilliseconds:0} ms");
                _ = RetryLaterAsync(ns, delay, cancellationToken);
            }
            else
            {
                _failures.TryRemove(ns, out _);
                KubernetesCaLog.RootPublishFailed(_logger, ns, ConfigMapName, attempt, KubernetesApiError.Describe(ex), "giving up until the namespace or its ConfigMap changes");
            }
        }
    }

    private async Task RetryLaterAsync(string ns, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            Enqueue(ns);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task PublishAsync(string ns, CancellationToken cancellationToken)
    {
        // A namespace being deleted refuses new objects; a deleted one needs none.
        if (IgnoredNamespaces.Contains(ns) || _namespaces.Get(null, ns) is not { } namespaceObject || namespaceObject.Status?.Phase == "Terminating")
        {
            return;
        }

        var existing = _configMaps.Get(ns, ConfigMapName);
        if (existing is null)
        {
            try
            {
                await _api.CreateConfigMapAsync(new V1ConfigMap
                {
                    ApiVersion = "v1",
                    Kind = "ConfigMap",
                    Metadata = new V1ObjectMeta { Name = ConfigMapName, NamespaceProperty = ns, Labels = new Dictionary<string, string> { [ConfigLabel] = "true" } },
                    Data = new Dictionary<string, string> { [DataKey] = _rootPem },
                }, cancellationToken);
                KubernetesCaLog.RootPublished(_logger, ns, ConfigMapName, "created");
            }
            catch (Exception ex) when (KubernetesApiError.Is(ex, System.Net.HttpStatusCode.Conflict) || KubernetesApiError.Is(ex, System.Net.HttpStatusCode.NotFound))
            {
                // 409: it exists after all (the cache had not seen it yet); its event brings us back to check it.
                // 404: the namespace went away meanwhile.
            }

            return;
        }

        if (existing.Data is { } data && data.TryGetValue(DataKey, out var current) && current == _rootPem)
        {
            return;
        }

        // Only our key is put back (istiod's InsertDataToConfigMap): other keys someone added stay.
        var updated = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = existing.Metadata,
            Data = existing.Data is null ? new Dictionary<string, string>() : new Dictionary<string, string>(existing.Data),
            BinaryData = existing.BinaryData,
            Immutable = existing.Immutable,
        };
        updated.Data[DataKey] = _rootPem;
        await _api.ReplaceConfigMapAsync(updated, cancellationToken);
        KubernetesCaLog.RootPublished(_logger, ns, ConfigMapName, "restored (its root certificate had been changed)");
    }

    public async ValueTask DisposeAsync()
    {
        _namespaces.Changed -= OnNamespaceChanged;
        _configMaps.Changed -= OnConfigMapChanged;
        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        await _loop;
        _stopping.Dispose();
    }
}
