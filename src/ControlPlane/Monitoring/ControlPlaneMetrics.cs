using Mesh.Contracts.Discovery;
using Prometheus;

namespace Mesh.ControlPlane.Monitoring;

/// <summary>
/// The control plane's own metrics, named and labelled as istiod's (pilot/pkg/xds/monitoring.go, security/pkg/server/ca)
/// so Istio's Grafana dashboards and Kiali's control-plane view read them unchanged. One registry per server (tests run
/// several in one process), served on the HTTP port's <c>/metrics</c> as istiod serves it on 15014.
/// </summary>
internal sealed class ControlPlaneMetrics
{
    // istiod's buckets, in seconds.
    private static readonly double[] PushTimeBuckets = [.01, .1, 1, 3, 5, 10, 20, 30];
    private static readonly double[] ConvergenceBuckets = [.1, .5, 1, 3, 5, 10, 20, 30];
    private static readonly double[] PushContextBuckets = [.01, .1, 0.5, 1, 3, 5];
    private static readonly double[] ConfigSizeBuckets = [1, 10_000, 1_000_000, 4_000_000, 10_000_000, 40_000_000];

    private readonly Counter _pushes;
    private readonly Histogram _pushTime;
    private readonly Histogram _configSize;
    private readonly Counter _rejects;
    private readonly Counter _expiredNonces;
    private readonly Histogram _convergence;
    private readonly Histogram _queueTime;
    private readonly Counter _triggers;
    private readonly Histogram _debounceTime;
    private readonly Histogram _pushContextInit;
    private readonly Counter _pushContextErrors;
    private readonly Counter _internalErrors;
    private readonly Gauge _connected;
    private readonly Gauge _services;
    private readonly Gauge _virtualServices;
    private readonly Counter _skipped;
    private readonly Counter _authFailures;

    public ControlPlaneMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        // process_cpu_seconds_total, process_*_memory_bytes, dotnet_* — what the dashboards' resource panels read.
        DotNetStats.Register(Registry);
        var factory = Metrics.WithCustomRegistry(Registry);
        // Exemplars exist only in OpenMetrics, which /metrics does not serve: without a provider no observation looks
        // for one in Activity.Current.
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = null };
        _pushes = factory.CreateCounter("pilot_xds_pushes", "Pilot build and send errors for lds, rds, cds and eds.", "type");
        _pushTime = factory.CreateHistogram("pilot_xds_push_time", "Total time in seconds Pilot takes to push lds, rds, cds and eds.",
            ["type"], new HistogramConfiguration { Buckets = PushTimeBuckets });
        _configSize = factory.CreateHistogram("pilot_xds_config_size_bytes", "Distribution of configuration sizes pushed to clients",
            ["type"], new HistogramConfiguration { Buckets = ConfigSizeBuckets });
        _rejects = factory.CreateCounter("pilot_total_xds_rejects", "Total number of XDS responses from pilot rejected by proxy.", "type");
        _expiredNonces = factory.CreateCounter("pilot_xds_expired_nonce", "Total number of XDS requests with an expired nonce.", "type");
        _convergence = factory.CreateHistogram("pilot_proxy_convergence_time",
            "Delay in seconds between config change and a proxy receiving all required configuration.",
            new HistogramConfiguration { Buckets = ConvergenceBuckets });
        _queueTime = factory.CreateHistogram("pilot_proxy_queue_time", "Time in seconds, a proxy is in the push queue before being dequeued.",
            new HistogramConfiguration { Buckets = ConvergenceBuckets });
        _triggers = factory.CreateCounter("pilot_push_triggers", "Total number of times a push was triggered, labeled by reason for the push.", "type");
        _debounceTime = factory.CreateHistogram("pilot_debounce_time",
            "Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.",
            new HistogramConfiguration { Buckets = ConvergenceBuckets });
        _pushContextInit = factory.CreateHistogram("pilot_pushcontext_init_seconds", "Total time in seconds Pilot takes to init pushContext.",
            new HistogramConfiguration { Buckets = PushContextBuckets });
        _pushContextErrors = factory.CreateCounter("pilot_xds_push_context_errors", "Number of errors (timeouts) initiating push context.");
        _internalErrors = factory.CreateCounter("pilot_total_xds_internal_errors", "Total number of internal XDS errors in pilot.");
        _connected = factory.CreateGauge("pilot_xds", "Number of endpoints connected to this pilot using XDS.", "version");
        _services = factory.CreateGauge("pilot_services", "Total services known to pilot.");
        _virtualServices = factory.CreateGauge("pilot_virt_services", "Total virtual services known to pilot.");
        _skipped = factory.CreateCounter("mesh_xds_pushes_skipped_total",
            "Pushes a proxy did not need: nothing it depends on changed (istiod skips them the same way, without counting).");
        // istiod counts no refused discovery streams (it only logs "Unauthorized XDS"): a mesh_ name of our own.
        _authFailures = factory.CreateCounter("mesh_xds_auth_failures_total",
            "Discovery streams refused: no valid credential (unauthenticated) or a node the caller's identity may not claim (permission_denied).",
            "reason");
        Citadel = new CitadelMetrics(factory);
    }

    public CollectorRegistry Registry { get; }

    public CitadelMetrics Citadel { get; }

    /// <summary>One response sent: its type, size, and the time since this proxy's push (or subscribe) began.</summary>
    public void RecordSent(string typeUrl, long bytes, TimeSpan sinceStart)
    {
        var type = TypeUrls.ShortName(typeUrl);
        _pushes.WithLabels(type).Inc();
        _pushTime.WithLabels(type).Observe(sinceStart.TotalSeconds);
        _configSize.WithLabels(type).Observe(bytes);
    }

    public void RecordNack(string typeUrl) => _rejects.WithLabels(TypeUrls.ShortName(typeUrl)).Inc();

    public void RecordStaleNonce(string typeUrl) => _expiredNonces.WithLabels(TypeUrls.ShortName(typeUrl)).Inc();

    public void RecordConvergence(TimeSpan sinceChange) => _convergence.Observe(sinceChange.TotalSeconds);

    public void RecordQueueTime(TimeSpan queued) => _queueTime.Observe(queued.TotalSeconds);

    public void RecordSkippedPush() => _skipped.Inc();

    /// <summary>A discovery stream refused with <paramref name="status"/> (UNAUTHENTICATED or PERMISSION_DENIED).</summary>
    public void RecordAuthFailure(Grpc.Core.StatusCode status) =>
        _authFailures.WithLabels(status == Grpc.Core.StatusCode.Unauthenticated ? "unauthenticated" : "permission_denied").Inc();

    /// <summary>A change reached the push machinery; <paramref name="reason"/> is istiod's trigger name ("config", "global").</summary>
    public void RecordTrigger(string reason) => _triggers.WithLabels(reason).Inc();

    public void RecordDebounce(TimeSpan sinceFirstChange) => _debounceTime.Observe(sinceFirstChange.TotalSeconds);

    public void RecordSnapshotBuilt(TimeSpan took, int services, int virtualServices)
    {
        _pushContextInit.Observe(took.TotalSeconds);
        _services.Set(services);
        _virtualServices.Set(virtualServices);
    }

    public void RecordSnapshotFailed() => _pushContextErrors.Inc();

    public void RecordGenerateFailed() => _internalErrors.Inc();

    public void ProxyConnected(string proxyVersion) => _connected.WithLabels(VersionLabel(proxyVersion)).Inc();

    public void ProxyDisconnected(string proxyVersion) => _connected.WithLabels(VersionLabel(proxyVersion)).Dec();

    private static string VersionLabel(string proxyVersion) => proxyVersion.Length > 0 ? proxyVersion : "unknown";
}
