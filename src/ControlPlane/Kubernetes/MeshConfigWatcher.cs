using k8s;
using k8s.Models;
using Mesh.ControlPlane.Model;
using Mesh.Injection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Istio's mesh config from the <c>istio</c> ConfigMap (<c>istio-&lt;rev&gt;</c> for a revision) in the system namespace,
/// read at start and on every change through an informer, as istiod does. The implemented fields
/// (<see cref="MeshConfigFields"/>) change the injector at once, and the model's mesh settings (outboundTrafficPolicy),
/// which push to the proxies that read them; every other field is named in a log line, a Warning
/// event on the ConfigMap and <c>/debug/meshz</c>. A config that does not parse is refused with its field path and the
/// last good one keeps serving (none yet: Istio's defaults).
/// </summary>
internal sealed class MeshConfigWatcher : IAsyncDisposable
{
    public const string RejectedReason = "MeshConfigRejected";
    public const string WithoutEffectReason = "MeshConfigFieldsWithoutEffect";
    public const string TrustDomainReason = "MeshConfigTrustDomainIgnored";

    private readonly IInformer<V1ConfigMap> _informer;
    private readonly string _namespace;
    private readonly string _name;
    private readonly InjectionSettings _base;
    private readonly string _caTrustDomain;
    private readonly ConfigMapEvents? _events;
    private readonly Sources.MeshSettingsSource? _meshSettings;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Informer<V1ConfigMap>? _owned;
    private IKubernetes? _ownedClient;
    private readonly TaskCompletionSource _firstDecided = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _initial = Task.CompletedTask;
    private volatile SidecarInjector _injector;
    private volatile MeshConfigState _state;
    private string? _seen = "";

    /// <param name="baseSettings">The injection settings from the command line: what the mesh config's absent fields leave.</param>
    /// <param name="caTrustDomain">The CA's trust domain, which the mesh config cannot change while the control plane runs.</param>
    /// <param name="meshSettings">Where the fields translation reads are published; null: nowhere.</param>
    public MeshConfigWatcher(IInformer<V1ConfigMap> informer, string ns, string revision, InjectionSettings baseSettings, string caTrustDomain,
        ConfigMapEvents? events, ILogger logger, Sources.MeshSettingsSource? meshSettings = null)
    {
        _meshSettings = meshSettings;
        _informer = informer;
        _namespace = ns;
        _name = ConfigMapName(revision);
        _base = baseSettings;
        _caTrustDomain = caTrustDomain;
        _events = events;
        _logger = logger;
        _injector = new SidecarInjector(baseSettings);
        _state = new MeshConfigState { Source = Source, Injection = baseSettings };
    }

    /// <summary>A watcher with an informer of its own on the one ConfigMap, listed in <paramref name="catalog"/> for /debug/informerz.</summary>
    /// <param name="ownsClient">Dispose <paramref name="client"/> with the watcher.</param>
    public static MeshConfigWatcher Create(IKubernetes client, KubernetesOptions options, InjectionSettings baseSettings, string caTrustDomain,
        TimeProvider time, ILoggerFactory loggers, InformerCatalog? catalog = null, bool ownsClient = false, Sources.MeshSettingsSource? meshSettings = null)
    {
        var name = ConfigMapName(options.Revision);
        var informer = new Informer<V1ConfigMap>($"v1/configmaps {options.SystemNamespace}/{name}", InformerSources.ConfigMap(client, options.SystemNamespace, name),
            time, loggers.CreateLogger("Mesh.ControlPlane.Kubernetes.Informer"));
        catalog?.Add(informer);
        var logger = loggers.CreateLogger<MeshConfigWatcher>();
        return new MeshConfigWatcher(informer, options.SystemNamespace, options.Revision, baseSettings, caTrustDomain, new ConfigMapEvents(client, time, logger), logger,
            meshSettings)
        {
            _owned = informer,
            _ownedClient = ownsClient ? client : null,
        };
    }

    /// <summary>istiod's name for a revision's mesh config: <c>istio</c>, or <c>istio-&lt;rev&gt;</c>.</summary>
    public static string ConfigMapName(string revision) => revision is "" or "default" ? "istio" : $"istio-{revision}";

    /// <summary>The injector for the mesh config in effect: a volatile read, for every /inject request.</summary>
    public SidecarInjector Injector => _injector;

    public MeshConfigState State => _state;

    /// <summary>Completes once the first ConfigMap read (or its absence) has decided the mesh config.</summary>
    public Task FirstDecided => _firstDecided.Task;

    /// <summary>Events on the ConfigMap still being written; for tests.</summary>
    public Task PendingEvents => _events?.Pending ?? Task.CompletedTask;

    private string Source => $"{_namespace}/{_name}";

    public void Start()
    {
        _informer.Changed += (kind, configMap) =>
        {
            if (configMap.Metadata.Name == _name && configMap.Metadata.NamespaceProperty == _namespace) Apply(kind == InformerEventKind.Deleted ? null : configMap);
        };
        _owned?.Start();
        _initial = Task.Run(async () =>
        {
            await _informer.WaitForSyncAsync(_stop.Token);
            // A ConfigMap that is absent raises no event: Istio's defaults are then said to be in effect.
            Apply(_informer.Get(_namespace, _name));
        });
    }

    private void Apply(V1ConfigMap? configMap)
    {
        lock (_gate) Decide(configMap);
        _firstDecided.TrySetResult();
    }

    private void Decide(V1ConfigMap? configMap)
    {
        var version = configMap?.Metadata.ResourceVersion;
        if (version == _seen) return;
        _seen = version;
        var shown = version ?? "none";
        string? text = null;
        if (configMap is null) MeshConfigLog.Defaults(_logger, Source, "does not exist");
        else if (configMap.Data?.TryGetValue("mesh", out text) != true) MeshConfigLog.Defaults(_logger, Source, "has no 'mesh' key");

        MeshConfigDocument document;
        try
        {
            document = MeshConfigParser.Parse(text);
        }
        catch (MeshConfigException e)
        {
            var current = _state;
            var lastGood = current.ResourceVersion is { } good ? $"resourceVersion {good}" : "Istio's defaults";
            _state = current with { Rejection = $"resourceVersion {shown} rejected at {e.Path}: {e.Reason}" };
            _events?.Report(configMap!, RejectedReason, $"mesh config rejected at {e.Path}: {e.Reason}; the last good mesh config ({lastGood}) keeps serving");
            // Logged last, as the applied path logs after its state: whoever reads the line finds the state and the event it speaks of.
            MeshConfigLog.Rejected(_logger, Source, shown, e.Path, e.Reason, lastGood);
            return;
        }

        var effective = new List<string>();
        var withoutEffect = new List<FieldWithoutEffect>();
        foreach (var field in document.Fields)
        {
            if (!MeshConfigFields.Implemented.ContainsKey(field)) withoutEffect.Add(new FieldWithoutEffect(field, "not implemented by this mesh"));
            else if (Mismatch(field, document) is { } reason) withoutEffect.Add(new FieldWithoutEffect(field, reason));
            else effective.Add(field);
        }

        ReportMeshNetworks(configMap, withoutEffect);
        var settings = _base with
        {
            DiscoveryAddress = document.DiscoveryAddress ?? _base.DiscoveryAddress,
            HoldApplicationUntilProxyStarts = document.HoldApplicationUntilProxyStarts ?? _base.HoldApplicationUntilProxyStarts,
            Concurrency = document.Concurrency ?? _base.Concurrency,
            TerminationDrainDuration = document.TerminationDrainDuration ?? _base.TerminationDrainDuration,
            ProxyMetadata = document.ProxyMetadata ?? _base.ProxyMetadata,
            EnablePrometheusMerge = document.EnablePrometheusMerge ?? _base.EnablePrometheusMerge,
            AccessLog = AccessLog(document) ?? _base.AccessLog,
            TraceSampling = document.EnableTracing == false ? 0 : document.TracingSampling ?? _base.TraceSampling,
            TracingEnabled = document.EnableTracing != false,
            OtlpEndpoint = document.EnableTracing == false ? null : TracingEndpoint(document) ?? _base.OtlpEndpoint,
        };
        var ingress = Model.IngressSettings.Default;
        var mesh = new Model.MeshSettings(document.OutboundTrafficPolicy ?? Model.MeshSettings.Default.OutboundTrafficPolicy)
        {
            Ingress = new Model.IngressSettings(document.IngressClass ?? ingress.IngressClass, document.IngressControllerMode ?? ingress.Mode,
                document.IngressSelector, document.IngressService ?? ingress.IngressService),
            TracingProviders = new Model.TracingProviderTable(document.TracingProviders),
            ProviderSampling = document.EnableTracing == false ? document.TracingSampling ?? IstioDefaultSampling : null,
        };
        _injector = new SidecarInjector(settings);
        _state = new MeshConfigState
        {
            Source = Source,
            ResourceVersion = version,
            Injection = settings,
            Mesh = mesh,
            Effective = effective,
            WithoutEffect = withoutEffect,
        };
        MeshConfigLog.Applied(_logger, Source, shown, settings.DiscoveryAddress, settings.HoldApplicationUntilProxyStarts, settings.EnablePrometheusMerge,
            Model.MeshSettingsNames.Name(mesh.OutboundTrafficPolicy));
        Report(configMap, withoutEffect, shown);
        _meshSettings?.Publish(mesh);
    }

    /// <summary>The ConfigMap's meshNetworks key (Istio's multi-network gateways): not implemented, so any network in it is named.</summary>
    private static void ReportMeshNetworks(V1ConfigMap? configMap, List<FieldWithoutEffect> withoutEffect)
    {
        if (configMap?.Data?.TryGetValue("meshNetworks", out var text) != true) return;
        try
        {
            foreach (var field in MeshConfigParser.Parse(text).Fields)
            {
                withoutEffect.Add(new FieldWithoutEffect("meshNetworks." + field, "multi-network meshes are not implemented by this mesh"));
            }
        }
        catch (MeshConfigException e)
        {
            withoutEffect.Add(new FieldWithoutEffect("meshNetworks", $"not read ({e.Path}: {e.Reason}); multi-network meshes are not implemented by this mesh"));
        }
    }

    /// <summary>The proxy's --access-log for meshConfig.accessLogFile: only the proxy's stdout can be written to.</summary>
    private static string? AccessLog(MeshConfigDocument document) =>
        document.AccessLogFile == StandardOutput ? (document.AccessLogEncoding == "JSON" ? "json" : "text") : null;

    private const string StandardOutput = "/dev/stdout";

    /// <summary>
    /// The first provider of defaultProviders.tracing that is an opentelemetry extension provider over gRPC: the
    /// injected --otlp-endpoint names a collector reached over gRPC (a Telemetry reaches one over HTTP too).
    /// </summary>
    private static string? TracingEndpoint(MeshConfigDocument document)
    {
        foreach (var name in document.DefaultTracingProviders)
        {
            if (document.TracingProviders.TryGetValue(name, out var provider) && provider is { OtlpEndpoint: { } endpoint, OtlpOverHttp: false }) return endpoint;
        }

        return null;
    }

    /// <summary>What of extensionProviders no Telemetry or default can use: the providers of other kinds, and opentelemetry settings not applied.</summary>
    private static string? UnusedProviders(MeshConfigDocument document)
    {
        var unused = new List<string>();
        foreach (var (name, provider) in document.TracingProviders.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            if (provider.WithoutEffect is { } reason) unused.Add($"{name} ({reason})");
        }

        return unused.Count == 0 ? null : "no effect for " + string.Join("; ", unused);
    }

    /// <summary>Why an implemented field still has no effect with this value; null when it takes effect.</summary>
    /// <summary>Istio's defaultConfig.tracing.sampling when unset: 1 percent.</summary>
    private const double IstioDefaultSampling = 1;

    private string? Mismatch(string field, MeshConfigDocument document) => field switch
    {
        MeshConfigFields.TrustDomain when document.TrustDomain != _caTrustDomain =>
            $"meshConfig trustDomain \"{document.TrustDomain}\" differs from the CA's trust domain \"{_caTrustDomain}\": the mesh keeps \"{_caTrustDomain}\". "
            + "The trust domain is fixed when the control plane starts and this mesh offers no other yet (no command-line option; the SANs proxies verify assume it): "
            + $"set trustDomain to \"{_caTrustDomain}\" or remove it",
        MeshConfigFields.AccessLogFile when document.AccessLogFile is not (StandardOutput or "") =>
            $"accessLogFile \"{document.AccessLogFile}\": proxies write their access log to their stdout only; set \"{StandardOutput}\" (kubectl logs shows it) or \"\" for none",
        MeshConfigFields.AccessLogEncoding when document.AccessLogFile != StandardOutput =>
            $"accessLogEncoding has no effect without accessLogFile \"{StandardOutput}\"",
        MeshConfigFields.DefaultTracingProviders when document.EnableTracing == false =>
            "enableTracing is false: proxies injected from now on trace nothing",
        MeshConfigFields.DefaultTracingProviders when TracingEndpoint(document) is null =>
            $"names no opentelemetry provider over gRPC of extensionProviders ({Describe(document)}): injected proxies export over gRPC only; a Telemetry naming a provider reaches it over HTTP too",
        MeshConfigFields.ExtensionProviders when UnusedProviders(document) is { } unused => unused,
        MeshConfigFields.ProxyMetadata when UnreadProxyMetadata(document) is { } unread => unread,
        MeshConfigFields.RootNamespace when document.RootNamespace != MeshSettings.RootNamespace =>
            $"meshConfig rootNamespace \"{document.RootNamespace}\" has no effect: mesh-wide policies (PeerAuthentication, RequestAuthentication, AuthorizationPolicy) and the default Sidecar are read from \"{MeshSettings.RootNamespace}\" only",
        _ => null,
    };

    /// <summary>The proxyMetadata variables the proxy does not read (most of Istio's are istio-agent's), or null when it reads them all.</summary>
    private static string? UnreadProxyMetadata(MeshConfigDocument document)
    {
        var unread = new List<string>();
        foreach (var (name, _) in document.ProxyMetadata ?? []) if (!SidecarTemplate.ProxyReads(name)) unread.Add(name);
        return unread.Count == 0 ? null
            : $"{string.Join(", ", unread)} {(unread.Count == 1 ? "is" : "are")} set in injected proxies' environment, but this proxy does not read {(unread.Count == 1 ? "it" : "them")}"
              + (unread.Count < document.ProxyMetadata!.Count ? "; the other variables take effect" : "");
    }

    private static string Describe(MeshConfigDocument document)
    {
        var named = new List<string>();
        foreach (var name in document.DefaultTracingProviders)
        {
            named.Add(document.TracingProviders.TryGetValue(name, out var provider)
                ? $"{name}: {provider.Kind}{(provider.OtlpOverHttp ? " over http" : "")}"
                : $"{name}: not defined");
        }

        return string.Join(", ", named);
    }

    private void Report(V1ConfigMap? configMap, List<FieldWithoutEffect> withoutEffect, string version)
    {
        var unimplemented = new List<string>();
        foreach (var field in withoutEffect)
        {
            if (field.Path == MeshConfigFields.TrustDomain)
            {
                MeshConfigLog.TrustDomainDiffers(_logger, field.Reason, Source, version);
                if (configMap is not null) _events?.Report(configMap, TrustDomainReason, field.Reason);
            }
            else if (field.Path == MeshConfigFields.RootNamespace)
            {
                MeshConfigLog.RootNamespaceDiffers(_logger, field.Reason, Source, version);
            }

            unimplemented.Add(field.Path);
        }

        if (unimplemented.Count == 0 || configMap is null) return;
        var fields = string.Join(", ", unimplemented);
        MeshConfigLog.FieldsWithoutEffect(_logger, fields, Source, version);
        _events?.Report(configMap, WithoutEffectReason, $"meshConfig fields with no effect in this mesh: {fields} (see /debug/meshz for why)");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _initial;
        }
        catch (OperationCanceledException)
        {
        }

        if (_owned is not null) await _owned.DisposeAsync();
        if (_events is not null) await _events.Pending;
        _ownedClient?.Dispose();
        _stop.Dispose();
    }
}
