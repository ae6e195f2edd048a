using k8s;
using k8s.Models;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Sources;
using Mesh.Istio;
using Mesh.Istio.Analysis;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Serves the cluster: the Istio kinds (each at the best version its CRD serves, read once the CRD appears) loaded
/// object by object, and the service registry built from Services, EndpointSlices, Pods, Namespaces and Nodes. Like a
/// file of the folder source, each object keeps its last good version: a rejected one is reported (log line and a
/// Warning Event on it) and its previous version keeps serving. Bursts of informer events (a relist) are one change.
/// Also: gateway TLS credentials from Secrets (<see cref="CredentialStore"/>), and the Kubernetes Ingresses of the
/// mesh's class as synthesized Gateways and VirtualServices (<see cref="IngressConverter"/>).
/// </summary>
internal sealed class KubernetesConfigSource : IConfigSource
{
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly IKubernetes _client;
    private readonly InformerCatalog _catalog;
    private readonly ConfigInputLimits _limits;
    private readonly TimeSpan _syncTimeout;
    private readonly ConfigStatusEvents _events;
    private readonly Debouncer _debouncer;
    private readonly Lock _gate = new();
    private readonly Informer<V1CustomResourceDefinition> _crds;
    private readonly Informer<V1Service> _services;
    private readonly Informer<V1EndpointSlice> _slices;
    private readonly Informer<V1Pod> _pods;
    private readonly Informer<V1Namespace> _namespaces;
    private readonly Informer<V1Node> _nodes;
    private readonly Informer<V1Secret> _secrets;
    private readonly Informer<V1Ingress> _ingresses;
    private readonly Informer<V1IngressClass> _ingressClasses;
    private readonly Sources.MeshSettingsSource? _meshSettings;
    private readonly CredentialStore _credentials = new();
    private IReadOnlyList<IstioResource> _ingressResources = [];
    private IReadOnlyList<V1Ingress> _servedIngresses = [];
    private (int Served, int Total, IngressSettings Settings, int Resources) _loggedConversion;
    private readonly IngressStatusWriter _ingressStatus;
    private bool _credentialsDirty = true;
    private bool _ingressDirty = true;
    private HashSet<string> _loggedCredentialProblems = new(StringComparer.Ordinal);
    private readonly Dictionary<IstioKind, KindWatch> _kinds = [];
    // Every Istio object read, by kind/namespace/name (not version: a kind moving to another version keeps its objects).
    private readonly SortedDictionary<string, ObjectState> _objects = new(StringComparer.Ordinal);
    private readonly HashSet<(IstioKind Kind, string? Namespace, string Name)> _dirty = [];
    private bool _registryDirty = true;
    private bool _crdsDirty = true;
    private ConfigState _current = ConfigState.Empty;
    private HashSet<string> _loggedMessages = new(StringComparer.Ordinal);

    /// <param name="settle">How long informer events must stay quiet before they are applied (a relist is one change).</param>
    /// <param name="syncTimeout">How long <see cref="Start"/> waits for every informer's first list.</param>
    public KubernetesConfigSource(IKubernetes client, KubernetesOptions options, TimeProvider time, ILoggerFactory loggers,
        InformerCatalog catalog, TimeSpan settle, TimeSpan syncTimeout, ConfigInputLimits? limits = null, Sources.MeshSettingsSource? meshSettings = null)
    {
        _meshSettings = meshSettings;
        _client = client;
        _options = options;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<KubernetesConfigSource>();
        _catalog = catalog;
        _limits = limits ?? ConfigInputLimits.Default;
        _syncTimeout = syncTimeout;
        _events = new ConfigStatusEvents(client, time, _logger);
        _ingressStatus = new IngressStatusWriter(client, _logger);
        _debouncer = new Debouncer(settle, settle * 10, time, _ => Flush());
        _crds = Watch("apiextensions.k8s.io/v1/customresourcedefinitions", InformerSources.CustomResourceDefinitions(client), () => _crdsDirty = true);
        _services = Watch("v1/services", InformerSources.Services(client), () => _registryDirty = _ingressDirty = true);
        _slices = Watch("discovery.k8s.io/v1/endpointslices", InformerSources.EndpointSlices(client), () => _registryDirty = true);
        _pods = Watch("v1/pods", InformerSources.Pods(client), () => _registryDirty = true);
        _namespaces = Watch("v1/namespaces", InformerSources.Namespaces(client), () => _registryDirty = true);
        _nodes = Watch("v1/nodes", InformerSources.Nodes(client), () => _registryDirty = true);
        _secrets = Watch("v1/secrets", InformerSources.Secrets(client), () => _credentialsDirty = true);
        _ingresses = Watch("networking.k8s.io/v1/ingresses", InformerSources.Ingresses(client), () => _ingressDirty = true);
        _ingressClasses = Watch("networking.k8s.io/v1/ingressclasses", InformerSources.IngressClasses(client), () => _ingressDirty = true);
        if (_meshSettings is not null)
        {
            _meshSettings.Changed += (_, _) =>
            {
                lock (_gate) _ingressDirty = true;
                _debouncer.Signal();
            };
        }
        foreach (var kind in IstioKind.All) _kinds[kind] = new KindWatch();
    }

    public ConfigState Current => Volatile.Read(ref _current);

    public event Action<ConfigChange>? Changed;

    /// <summary>The status events written so far (tests wait on it).</summary>
    internal ConfigStatusEvents StatusEvents => _events;

    /// <summary>The served Ingresses' status writes (tests wait on it).</summary>
    internal IngressStatusWriter IngressStatus => _ingressStatus;

    /// <summary>Lists everything (bounded by the sync timeout, naming what did not sync), then applies changes as they come.</summary>
    public void Start()
    {
        IInformerStatus[] core = [_crds, _services, _slices, _pods, _namespaces, _nodes, _secrets, _ingresses, _ingressClasses];
        _crds.Start();
        _services.Start();
        _slices.Start();
        _pods.Start();
        _namespaces.Start();
        _nodes.Start();
        _secrets.Start();
        _ingresses.Start();
        _ingressClasses.Start();
        var deadline = _time.GetUtcNow() + _syncTimeout;
        WaitForSync([_crds], deadline);
        lock (_gate) ReconcileKinds();
        var all = new List<IInformerStatus>(core);
        lock (_gate)
        {
            foreach (var watch in _kinds.Values) if (watch.Informer is { } informer) all.Add(informer);
        }
        WaitForSync(all, deadline);
        Flush();
    }

    private void WaitForSync(IReadOnlyList<IInformerStatus> informers, DateTimeOffset deadline)
    {
        var waits = new Task[informers.Count];
        for (var i = 0; i < informers.Count; i++) waits[i] = informers[i].WaitForSyncAsync(CancellationToken.None);
        var left = deadline - _time.GetUtcNow();
        if (Task.WaitAll(waits, left > TimeSpan.Zero ? left : TimeSpan.Zero)) return;
        foreach (var informer in informers)
        {
            var status = informer.Status();
            if (status.Synced) continue;
            throw new TimeoutException($"Kubernetes: {status.Name} did not sync within {_syncTimeout.TotalSeconds:0} s" +
                (status.LastError is { } error ? $": {error}" : " (the list has not answered)"));
        }
    }

    private Informer<T> Watch<T>(string name, InformerSource<T> source, Action markDirty) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = new Informer<T>(name, source, _time, _loggers.CreateLogger("Mesh.ControlPlane.Kubernetes.Informer"));
        informer.Changed += (_, _) =>
        {
            lock (_gate) markDirty();
            _debouncer.Signal();
        };
        _catalog.Add(informer);
        return informer;
    }

    /// <summary>Starts, moves or keeps each Istio kind's informer at the best version its CRD serves now.</summary>
    private void ReconcileKinds()
    {
        _crdsDirty = false;
        foreach (var (kind, watch) in _kinds)
        {
            var version = ServedVersion(_crds.Get(null, kind.CrdName), kind.Versions);
            if (version == watch.Version && watch.Reconciled) continue;
            watch.Reconciled = true;
            var previous = watch.Informer;
            watch.Version = version;
            watch.Informer = null;
            if (previous is not null) _ = previous.StopAsync();
            if (version is null)
            {
                if (kind.Modelled) KubernetesSourceLog.KindMissing(_logger, kind.CrdName, string.Join(", ", kind.Versions), kind.Kind);
                MarkKindDirty(kind);
                continue;
            }
            var informer = new Informer<CustomObject>(kind.InformerName(version), InformerSources.Custom(_client, kind.Group, version, kind.Plural),
                _time, _loggers.CreateLogger("Mesh.ControlPlane.Kubernetes.Informer"));
            informer.Changed += (_, item) =>
            {
                lock (_gate) _dirty.Add((kind, item.Metadata.NamespaceProperty, item.Metadata.Name));
                _debouncer.Signal();
            };
            // Once listed, every object of the kind is looked at again: those the previous version held and this one lacks leave.
            _ = informer.WaitForSyncAsync(CancellationToken.None).ContinueWith(_ =>
            {
                lock (_gate) MarkKindDirty(kind);
                _debouncer.Signal();
            }, TaskScheduler.Default);
            watch.Informer = informer;
            _catalog.Add(informer);
            KubernetesSourceLog.KindWatched(_logger, kind.Kind, kind.Group, version);
            informer.Start();
        }
    }

    /// <summary>Every object of the kind is looked at again: those read before, and those its informer holds now.</summary>
    private void MarkKindDirty(IstioKind kind)
    {
        foreach (var state in _objects.Values) if (state.Kind == kind) _dirty.Add((kind, state.Object.Metadata.NamespaceProperty, state.Object.Metadata.Name));
        if (_kinds[kind].Informer is not { HasSynced: true } informer) return;
        foreach (var item in informer.List()) _dirty.Add((kind, item.Metadata.NamespaceProperty, item.Metadata.Name));
    }

    /// <summary>The best of the kind's versions that the CRD serves; null without the CRD or a served version we read.</summary>
    private static string? ServedVersion(V1CustomResourceDefinition? crd, string[] preferredVersions)
    {
        if (crd?.Spec?.Versions is not { } versions) return null;
        foreach (var preferred in preferredVersions)
        {
            foreach (var version in versions) if (version.Name == preferred && version.Served) return preferred;
        }
        return null;
    }

    /// <summary>Applies what changed since the last flush: CRDs, then objects, then the registry; raises one change.</summary>
    private void Flush()
    {
        var changed = new HashSet<ConfigKey>();
        lock (_gate)
        {
            if (_crdsDirty) ReconcileKinds();
            foreach (var (kind, ns, name) in _dirty) Reload(kind, ns, name, changed);
            _dirty.Clear();
            var registry = _current.Registry;
            // The served Ingresses' status follows them, the ingress Service, and the gateway pods and their nodes.
            var ingressStatusDirty = _ingressDirty || _registryDirty;
            if (_registryDirty)
            {
                _registryDirty = false;
                var before = registry;
                registry = KubernetesRegistry.Build(new KubernetesObjects(_services.List(), _slices.List(), _pods.List(), _namespaces.List(), _nodes.List()),
                    _options.DomainSuffix);
                changed.UnionWith(KubernetesRegistry.ChangedKeys(before, registry));
            }
            if (_credentialsDirty)
            {
                _credentialsDirty = false;
                var count = _credentials.Update(_secrets.List(), changed);
                IngressLog.CredentialsChanged(_logger, _credentials.Current.Count, count);
            }
            if (_ingressDirty)
            {
                _ingressDirty = false;
                var before = _ingressResources;
                _ingressResources = ConvertIngresses();
                ChangedKeys.Add(before, _ingressResources, changed);
            }
            if (ingressStatusDirty) WriteIngressStatus();
            var state = Compose(registry);
            Volatile.Write(ref _current, state);
            KubernetesSourceLog.ConfigLoaded(_logger, state.Resources.Count, _objects.Count, state.Rejections.Count, registry.Services.Count, registry.Workloads.Count);
            ReportMessages(state.Messages);
            ReportCredentials(state);
        }
        if (changed.Count > 0) Changed?.Invoke(new ConfigChange(changed));
    }

    private void Reload(IstioKind kind, string? ns, string name, HashSet<ConfigKey> changed)
    {
        var id = $"{kind.Kind}/{ns}/{name}";
        _objects.TryGetValue(id, out var previous);
        var watch = _kinds[kind];
        // An informer still listing says nothing yet about its objects: they stay as they are until it synced.
        if (watch.Informer is { HasSynced: false }) return;
        var item = watch.Informer?.Get(ns, name);
        if (item is null)
        {
            if (previous is null) return;
            _objects.Remove(id);
            ChangedKeys.Add(previous.Resources, [], changed);
            return;
        }
        if (previous is not null && previous.Object.Metadata.ResourceVersion == item.Metadata.ResourceVersion && previous.Object.ApiVersion == item.ApiVersion) return;

        var origin = kind.Origin(watch.Version!, ns, name);
        var result = IstioObjectReader.Load(item, origin, _limits);
        var lastGood = previous?.Resources ?? [];
        ObjectState next;
        if (result.Errors.Count == 0)
        {
            next = new ObjectState(kind, item, origin, result.Resources, []);
        }
        else
        {
            next = new ObjectState(kind, item, origin, lastGood, result.Errors);
            foreach (var error in result.Errors)
            {
                if (!_events.Report(item, ConfigStatusEvents.RejectedReason, RejectionMessage(error))) continue;
                KubernetesSourceLog.ObjectRejected(_logger, error.ToString(), item.Metadata.ResourceVersion ?? "", lastGood.Count);
            }
        }
        _objects[id] = next;
        ChangedKeys.Add(lastGood, next.Resources, changed);
    }

    /// <summary>What a person reading the event needs: the field at fault and why (the object itself is the event's subject).</summary>
    private static string RejectionMessage(ConfigError error) =>
        (error.FieldPath.Length > 0 ? error.FieldPath + ": " : "") + error.Reason + "; the last accepted version keeps serving";

    private ConfigState Compose(PlatformRegistry registry)
    {
        var resources = new List<IstioResource>();
        var rejections = new List<ConfigRejection>();
        foreach (var state in _objects.Values)
        {
            resources.AddRange(state.Resources);
            if (state.Errors.Count > 0) rejections.Add(new ConfigRejection(state.Origin, state.Errors, state.Resources.Count));
        }
        resources.AddRange(_ingressResources);
        return new ConfigState(resources, rejections)
        {
            Registry = registry,
            Messages = MeshAnalyzer.Analyze(resources, registry.Hosts()),
            Credentials = _credentials.Current,
        };
    }

    /// <summary>Each analyzer message is logged when it first appears and recorded as an event on its object, once per resourceVersion.</summary>
    private void ReportMessages(IReadOnlyList<AnalysisMessage> messages)
    {
        var byKey = new Dictionary<ConfigKey, ObjectState>();
        foreach (var state in _objects.Values) foreach (var resource in state.Resources) byKey[resource.Key] = state;
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            var text = message.ToString();
            if (current.Add(text) && !_loggedMessages.Contains(text))
            {
                KubernetesSourceLog.Analysis(_logger, message.Type.Level == AnalysisLevel.Info ? LogLevel.Information : LogLevel.Warning, text);
            }
            if (message.Type.Level != AnalysisLevel.Info && byKey.TryGetValue(message.Resource, out var state))
            {
                var field = message.FieldPath.Length > 0 ? message.FieldPath + ": " : "";
                _events.Report(state.Object, message.Type.Name, $"{message.Type.Code} {field}{message.Text}");
            }
        }
        _loggedMessages = current;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var state in _objects.Values) if (state.Object.Metadata.Uid is { } uid) live.Add(uid);
        foreach (var ingress in _ingresses.List()) if (ingress.Metadata.Uid is { } uid) live.Add(uid);
        _events.Forget(live.Contains);
    }

    /// <summary>The Ingresses of the mesh's class as Gateways and VirtualServices, through the loader like any Istio object; each problem told on its Ingress.</summary>
    private List<IstioResource> ConvertIngresses()
    {
        var settings = _meshSettings?.Current.Ingress ?? IngressSettings.Default;
        var conversion = IngressConverter.Convert(_ingresses.List(), _ingressClasses.List(), (ns, name) => _services.Get(ns, name), settings,
            _options.SystemNamespace, _options.DomainSuffix);
        var resources = new List<IstioResource>();
        foreach (var item in conversion.Resources)
        {
            var result = IstioConfigLoader.LoadText(item.Resource.ToJsonString(), item.Origin, _limits);
            resources.AddRange(result.Resources);
            foreach (var error in result.Errors) ReportIngress(item.Ingress, error.ToString());
        }
        foreach (var problem in conversion.Problems) ReportIngress(problem.Ingress, problem.Message);
        _servedIngresses = conversion.Served;
        // Once per outcome, not per rebuild: a status write or an unrelated change converts again to the same result.
        var summary = (conversion.Served.Count, _ingresses.List().Count, settings, resources.Count);
        if (summary != _loggedConversion)
        {
            _loggedConversion = summary;
            IngressLog.Converted(_logger, conversion.Served.Count, _ingresses.List().Count, settings.IngressClass, settings.Mode.ToString().ToUpperInvariant(),
                settings.SelectorValue, resources.Count);
        }
        return resources;
    }

    private void ReportIngress(V1Ingress ingress, string message)
    {
        if (!_events.Report("networking.k8s.io/v1", "Ingress", ingress.Metadata, IngressNotServedReason, message)) return;
        IngressLog.Problem(_logger, $"{ingress.Metadata.NamespaceProperty}/{ingress.Metadata.Name}", message);
    }

    /// <summary>The served Ingresses' status.loadBalancer.ingress: the ingress Service's addresses (<see cref="IngressStatusWriter"/>).</summary>
    private void WriteIngressStatus()
    {
        var settings = _meshSettings?.Current.Ingress ?? IngressSettings.Default;
        var addresses = IngressStatusWriter.Addresses(settings, _options.SystemNamespace, (ns, name) => _services.Get(ns, name), _pods.List(),
            name => _nodes.Get(null, name));
        _ingressStatus.Sync(_servedIngresses, IngressStatusWriter.ToStatus(addresses));
    }

    /// <summary>Each Gateway server whose credentialName does not resolve: a log line when it starts (and when it serves again), a Warning Event on its Gateway or Ingress.</summary>
    private void ReportCredentials(ConfigState state)
    {
        var problems = new HashSet<string>(StringComparer.Ordinal);
        var objects = new Dictionary<ConfigKey, ObjectState>();
        foreach (var objectState in _objects.Values) foreach (var resource in objectState.Resources) objects[resource.Key] = objectState;
        var ingresses = new Dictionary<ConfigKey, string>();
        foreach (var resource in _ingressResources) ingresses[resource.Key] = resource.Source.File;
        foreach (var use in GatewayCredentialCheck.Check(state.Resources, state.Registry, _credentials.Current))
        {
            var id = $"{use.Gateway}/{use.Server}/{use.Namespace}/{use.CredentialName}";
            var gateway = $"{use.Gateway.Namespace}/{use.Gateway.Name}";
            if (use.Problem is not { } problem)
            {
                if (_loggedCredentialProblems.Contains(id)) IngressLog.CredentialResolved(_logger, gateway, use.Server, use.Port, use.CredentialName, use.Namespace);
                continue;
            }
            problems.Add(id);
            if (!_loggedCredentialProblems.Contains(id)) IngressLog.CredentialUnusable(_logger, gateway, use.Server, use.Port, use.CredentialName, problem);
            var message = $"server {use.Server} (port {use.Port}) is not served: credentialName {use.CredentialName}: {problem}";
            if (objects.TryGetValue(use.Gateway, out var owner)) _events.Report(owner.Object, CredentialReason, message);
            else if (ingresses.TryGetValue(use.Gateway, out var origin) && FindIngress(origin) is { } ingress)
            {
                _events.Report("networking.k8s.io/v1", "Ingress", ingress.Metadata, CredentialReason, message);
            }
        }
        _loggedCredentialProblems = problems;
    }

    private V1Ingress? FindIngress(string origin)
    {
        foreach (var ingress in _ingresses.List())
        {
            if (IngressConverter.Origin(ingress.Metadata.NamespaceProperty, ingress.Metadata.Name) == origin) return ingress;
        }
        return null;
    }

    /// <summary>The Warning Event reason when part of an Ingress is not served.</summary>
    public const string IngressNotServedReason = "IngressNotServed";

    /// <summary>The Warning Event reason when a Gateway server's credentialName does not resolve to a usable Secret.</summary>
    public const string CredentialReason = "CredentialNotFound";

    public void Dispose()
    {
        _debouncer.Dispose();
        var stops = new List<Task> { _crds.StopAsync(), _services.StopAsync(), _slices.StopAsync(), _pods.StopAsync(), _namespaces.StopAsync(), _nodes.StopAsync(),
            _secrets.StopAsync(), _ingresses.StopAsync(), _ingressClasses.StopAsync() };
        lock (_gate)
        {
            foreach (var watch in _kinds.Values) if (watch.Informer is { } informer) stops.Add(informer.StopAsync());
        }
        Task.WaitAll([.. stops], TimeSpan.FromSeconds(5));
    }

    private sealed class KindWatch
    {
        /// <summary>The version watched; null while no CRD serves one we read.</summary>
        public string? Version { get; set; }

        public Informer<CustomObject>? Informer { get; set; }

        /// <summary>False until the CRDs were first looked at (so a kind missing from the start is logged).</summary>
        public bool Reconciled { get; set; }
    }

    /// <param name="Resources">What serves: this version's when it was accepted, else the last accepted one's.</param>
    /// <param name="Errors">Why this version was rejected; empty when accepted.</param>
    private sealed record ObjectState(IstioKind Kind, CustomObject Object, string Origin, IReadOnlyList<IstioResource> Resources, IReadOnlyList<ConfigError> Errors);
}
