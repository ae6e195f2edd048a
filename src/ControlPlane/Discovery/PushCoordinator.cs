using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Mesh.ControlPlane.Security;
using Mesh.ControlPlane.Sources;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Istio.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Turns config changes into pushes: merges their push requests while debouncing, builds the next mesh snapshot, and
/// posts the merged request to every connected proxy, which decides whether it depends on what changed.
/// </summary>
internal sealed class PushCoordinator : IDisposable
{
    private readonly IConfigSource _source;
    private readonly MeshSnapshotStore _snapshots;
    private readonly ConnectionRegistry _registry;
    private readonly Debouncer _debouncer;
    private readonly TimeProvider _time;
    private readonly string _credentialRoot;
    private readonly ControlPlaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly JwksFetcher? _jwks;
    private readonly MeshSettingsSource? _meshSettings;
    private readonly Lock _pushGate = new();
    private readonly Lock _pendingGate = new();
    private HashSet<string> _reportedDelegationProblems = new(StringComparer.Ordinal);
    private HashSet<string> _reportedTracingProviderProblems = new(StringComparer.Ordinal);
    private HashSet<string> _reportedUninjectedProxyConfigs = new(StringComparer.Ordinal);
    private readonly bool _injectsSidecars;
    private PushRequest? _pending;
    private long _version;

    /// <param name="credentialRoot">Local mode: the folder whose credentials/&lt;name&gt; a Gateway's credentialName names.</param>
    /// <param name="jwks">Fetches the key sets of RequestAuthentication jwksUri values; null: none are fetched (they fail closed).</param>
    /// <param name="meshSettings">The mesh config translation reads; null: Istio's defaults, always.</param>
    /// <param name="injectsSidecars">Whether this control plane serves the injection webhook, the one reader of ProxyConfigs: without it each is reported as having no effect.</param>
    public PushCoordinator(IConfigSource source, MeshSnapshotStore snapshots, ConnectionRegistry registry, TimeProvider time,
        TimeSpan debounce, TimeSpan maxDebounce, string credentialRoot, ControlPlaneMetrics metrics, ILogger<PushCoordinator> logger,
        JwksFetcher? jwks = null, MeshSettingsSource? meshSettings = null, bool injectsSidecars = false)
    {
        _injectsSidecars = injectsSidecars;
        _jwks = jwks;
        _meshSettings = meshSettings;
        _source = source;
        _snapshots = snapshots;
        _registry = registry;
        _time = time;
        _credentialRoot = credentialRoot;
        _metrics = metrics;
        _logger = logger;
        _debouncer = new Debouncer(debounce, maxDebounce, time, Push);
    }

    /// <summary>Builds the first snapshot from the source's current state, then pushes on every change.</summary>
    public void Start()
    {
        _source.Changed += OnChanged;
        if (_jwks is not null) _jwks.Changed += OnKeySetsChanged;
        if (_meshSettings is not null) _meshSettings.Changed += OnMeshSettingsChanged;
        _metrics.RecordTrigger(PushReasonNames.Name(PushReasons.Global));
        Publish(PushRequest.Full(PushReasons.Global, _time.GetUtcNow()), mergedChanges: 0);
    }

    private void OnChanged(ConfigChange change)
    {
        _metrics.RecordTrigger(PushReasonNames.Name(PushReasons.Config));
        var request = PushRequest.ForConfigs(change.Keys, _time.GetUtcNow());
        lock (_pendingGate) _pending = request.Merge(_pending);
        _debouncer.Signal();
    }

    /// <summary>Fetched key sets changed: the RequestAuthentications that use them changed for the proxies they apply to.</summary>
    private void OnKeySetsChanged(IReadOnlySet<string> uris)
    {
        var keys = new HashSet<ConfigKey>();
        foreach (var resource in _source.Current.Resources)
        {
            if (resource is not RequestAuthentication policy) continue;
            foreach (var rule in policy.Spec.JwtRules)
            {
                if (RequestAuthenticationTranslator.JwksUriOf(rule) is { } uri && uris.Contains(uri)) keys.Add(policy.Key);
            }
        }
        if (keys.Count == 0) return;
        OnChanged(new ConfigChange(keys));
    }

    /// <summary>The mesh config changed: the proxies that read the part that changed (<see cref="ProxyDependencies"/>) regenerate.</summary>
    private void OnMeshSettingsChanged(MeshSettings previous, MeshSettings current) => OnChanged(new ConfigChange(MeshSettings.ChangedKeys(previous, current)));

    private void Push(int mergedChanges)
    {
        PushRequest? request;
        lock (_pendingGate)
        {
            request = _pending;
            _pending = null;
        }
        if (request is null) return;
        _metrics.RecordDebounce(_time.GetUtcNow() - request.Start);
        Publish(request, mergedChanges);
    }

    private void Publish(PushRequest request, int mergedChanges)
    {
        // The first push and a debounced one may overlap at start: snapshots must publish in version order.
        lock (_pushGate)
        {
            var version = ++_version;
            var started = _time.GetTimestamp();
            MeshSnapshot snapshot;
            try
            {
                var current = _source.Current;
                snapshot = MeshSnapshotBuilder.Build(version, current.Resources, _credentialRoot, _jwks?.Current, current.Registry, _meshSettings?.Current,
                    current.Credentials);
            }
            catch (Exception ex)
            {
                // A bug in the model must not take down the server or the config proxies already have.
                _metrics.RecordSnapshotFailed();
                DiscoveryLog.SnapshotFailed(_logger, version, ex);
                return;
            }
            _metrics.RecordSnapshotBuilt(_time.GetElapsedTime(started), snapshot.Services.Count, snapshot.VirtualServices.Count);
            // Before it is published, so before any stream translates for it: unchanged VirtualServices keep their routes,
            // unchanged services their clusters and endpoint assignments, and unchanged route parts, clusters, endpoint
            // assignments and listeners their packing.
            RouteTranslationMemo.Carry(_snapshots.Current, snapshot);
            ClusterTranslationMemo.Carry(_snapshots.Current, snapshot);
            SharedTranslation.Carry(_snapshots.Current, snapshot);
            _snapshots.Publish(snapshot);
            _reportedDelegationProblems = ReportNew(snapshot.DelegationProblems.Select(static p => p.ToString()), _reportedDelegationProblems,
                problem => DiscoveryLog.DelegationProblem(_logger, problem));
            _reportedTracingProviderProblems = ReportNew(TelemetryResolver.UnusableTracingProviders(snapshot), _reportedTracingProviderProblems,
                problem => DiscoveryLog.TracingProviderProblem(_logger, problem));
            if (!_injectsSidecars)
            {
                _reportedUninjectedProxyConfigs = ReportNew(UninjectedProxyConfigs(snapshot), _reportedUninjectedProxyConfigs,
                    problem => DiscoveryLog.ProxyConfigWithoutEffect(_logger, problem));
            }
            // Key sets not fetched yet are fetched now; when they arrive, a push carries them.
            _jwks?.Track(RequestAuthenticationTranslator.JwksUris(snapshot.RequestAuthentications));
            DiscoveryLog.Push(_logger, version, _registry.Count, mergedChanges, request.ToString());
            _registry.PostPushToAll(request);
        }
    }

    /// <summary>
    /// A ProxyConfig takes effect when the injection webhook adds a pod's sidecar. A control plane without the webhook
    /// (local mode, where meshctl starts the proxies itself) has no one to apply it, which its owner is told.
    /// </summary>
    private static IEnumerable<string> UninjectedProxyConfigs(MeshSnapshot snapshot)
    {
        foreach (var proxyConfig in snapshot.ProxyConfigs.All)
        {
            yield return $"{proxyConfig} has no effect here: a ProxyConfig applies when the injection webhook adds a pod's sidecar, and this control plane serves "
                + "no webhook (local mode, where meshctl starts each proxy with its own settings)";
        }
    }

    /// <summary>
    /// Logs each problem once, when it first appears: a push that changes nothing about it says nothing again, and one
    /// that goes away and comes back is logged again. Returns the problems of this snapshot.
    /// </summary>
    private static HashSet<string> ReportNew(IEnumerable<string> problems, HashSet<string> reported, Action<string> log)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var problem in problems)
        {
            if (current.Add(problem) && !reported.Contains(problem)) log(problem);
        }
        return current;
    }

    public void Dispose()
    {
        _source.Changed -= OnChanged;
        if (_jwks is not null) _jwks.Changed -= OnKeySetsChanged;
        if (_meshSettings is not null) _meshSettings.Changed -= OnMeshSettingsChanged;
        _debouncer.Dispose();
    }
}
