using Mesh.Contracts;
using Mesh.ControlPlane.Debug;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Mesh.ControlPlane.Security;
using Mesh.ControlPlane.Sources;
using Mesh.ControlPlane.Webhooks;
using Mesh.Security;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Mesh.ControlPlane;

/// <summary>
/// Wires sources, model, push and debug into one web application: a gRPC (HTTP/2) listener serving discovery, the CA and
/// <c>grpc.health.v1</c> with Grpc.AspNetCore, and a debug (HTTP/1.1) listener.
/// </summary>
internal sealed class ControlPlaneServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    // Kestrel fills these in when it starts: [0] discovery, [1] debug.
    private readonly ListenOptions?[] _listeners;
    private readonly IConfigSource _source;
    private readonly PushCoordinator _pushes;
    private readonly CertificateAuthority _authority;
    private readonly ServingCertificateRotator? _serving;
    private readonly JwksFetcher _jwks;
    private readonly KubernetesCa? _kubernetesCa;
    private readonly MeshConfigFile? _meshConfigFile;

    private ControlPlaneServer(WebApplication app, ListenOptions?[] listeners, IConfigSource source,
        PushCoordinator pushes, ConnectionRegistry registry, MeshSnapshotStore snapshots, SharedResourcePool resourcePool, ILogger logger, CertificateAuthority authority,
        ServingCertificateRotator? serving, JwksFetcher jwks, WebhookServer? webhooks, KubernetesCa? kubernetesCa, Kubernetes.MeshConfigWatcher? meshConfig,
        MeshConfigFile? meshConfigFile)
    {
        _meshConfigFile = meshConfigFile;
        Webhooks = webhooks;
        _kubernetesCa = kubernetesCa;
        MeshConfig = meshConfig;
        _jwks = jwks;
        _authority = authority;
        _serving = serving;
        Logger = logger;
        _app = app;
        _listeners = listeners;
        _source = source;
        _pushes = pushes;
        Registry = registry;
        Snapshots = snapshots;
        ResourcePool = resourcePool;
    }

    public ILogger Logger { get; }
    public ConnectionRegistry Registry { get; }
    public MeshSnapshotStore Snapshots { get; }

    /// <summary>The packed resources the discovery streams hold, one copy per distinct content.</summary>
    public SharedResourcePool ResourcePool { get; }

    /// <summary>The gRPC port's TLS certificate and its rotation; null when the port serves plaintext h2c.</summary>
    public ServingCertificateRotator? Serving => _serving;

    /// <summary>The admission webhooks' TLS listener; null when <see cref="ControlPlaneOptions.Webhooks"/> is.</summary>
    public WebhookServer? Webhooks { get; }

    /// <summary>The istio ConfigMap's mesh config; null without a cluster.</summary>
    public Kubernetes.MeshConfigWatcher? MeshConfig { get; }

    /// <summary>The bound discovery port (valid once started).</summary>
    public int GrpcPort => _listeners[0]!.IPEndPoint!.Port;

    /// <summary>The bound debug port (valid once started).</summary>
    public int HttpPort => _listeners[1]!.IPEndPoint!.Port;

    public static ControlPlaneServer Create(ControlPlaneOptions options, TimeProvider time, Action<ILoggingBuilder> configureLogging)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configureLogging(builder.Logging);
        var listeners = new ListenOptions?[2];
        // On Kubernetes the CA's Secrets, the pods' tokens and the root ConfigMaps are reached through the API server.
        // Every informer of this control plane, whichever part runs it, for /debug/informerz.
        var informers = new Kubernetes.InformerCatalog();
        var kubernetesCa = options.Kubernetes is { } caCluster ? new KubernetesCa(caCluster, time, informers) : null;
        // Loaded before the server is built: the gRPC port's TLS certificate comes from it.
        var (authority, authoritySource) = LoadAuthority(options, kubernetesCa, time);
        ServingCertificateRotator? serving = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Pings on a quiet connection find proxies that vanished without closing it, so they leave the registry.
            // (Grpc.AspNetCore lifts Kestrel's body size cap and minimum data rate for streaming calls itself.)
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
            kestrel.Listen(options.ListenAddress, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listeners[0] = listen;
                if (options.ServingCertificateLifetime is not null)
                {
                    // Read per handshake: a rotation reaches new connections at once and leaves open streams alone.
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                        {
                            ServerCertificateContext = serving!.Current,
                            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                            ApplicationProtocols = [SslApplicationProtocol.Http2],
                            // Kestrel's AllowCertificate: a client certificate is asked for, never required (a proxy asks
                            // the CA for its first one without), and the handshake proves its key. The discovery stream
                            // verifies it (DiscoveryAuthenticator), where a refusal can say why in a status and a log line.
                            ClientCertificateRequired = true,
                            RemoteCertificateValidationCallback = (_, _, _, _) => true,
                        }),
                    });
                }
            });
            kestrel.Listen(options.ListenAddress, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listeners[1] = listen;
            });
        });

        var snapshots = new MeshSnapshotStore();
        var registry = new ConnectionRegistry(time);
        var metrics = new ControlPlaneMetrics();
        var pushThrottle = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentPushes));
        var resourcePool = new SharedResourcePool();
        var readiness = new ReadinessCheck(snapshots);
        var issued = new IssuedCertificateRegistry();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = GrpcMessageLimits.MaxRequestSize;
            grpc.MaxSendMessageSize = GrpcMessageLimits.MaxResponseSize;
        });
        // Created now, not on the first call: meshctl mints tokens from the same folder once the control plane is up.
        var tokens = new TokenAuthenticatorChain(kubernetesCa is null
            ? [new BootstrapTokenAuthenticator(LoadTokens(options))]
            : [new BootstrapTokenAuthenticator(LoadTokens(options)), kubernetesCa.CreateTokenAuthenticator(authority.TrustDomain)]);
        var authenticator = new DiscoveryAuthenticator(authority, tokens, time, options.AllowAnonymousDiscovery);
        builder.Services.AddSingleton(services => new DiscoveryService(snapshots, registry, pushThrottle, resourcePool, metrics,
            new DiscoveryAccess(authenticator, metrics, services.GetRequiredService<ILogger<DiscoveryService>>()), time,
            services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping, services.GetRequiredService<ILogger<DiscoveryService>>()));
        metrics.Citadel.SetExpiry(authority);
        builder.Services.AddSingleton(services => new CertificateSigningService(authority, tokens, kubernetesCa is not null, issued,
            options.WorkloadCertificateLifetime, options.MaxWorkloadCertificateLifetime, time, metrics.Citadel,
            services.GetRequiredService<ILogger<CertificateSigningService>>()));
        builder.Services.AddGrpcHealthChecks().AddCheck("config-snapshot", readiness);
        var app = builder.Build();

        var loggers = app.Services.GetRequiredService<ILoggerFactory>();
        // The mesh config's fields translation reads: from the istio ConfigMap on a cluster, else from --mesh-config.
        var meshSettings = new MeshSettingsSource();
        var source = ConfigSources.Create(options, time, loggers, informers, meshSettings);
        var jwks = new JwksFetcher(options.Jwks, time, loggers.CreateLogger<JwksFetcher>());
        var meshConfigFile = options.MeshConfigFile is { } meshFile && options.Kubernetes is null
            ? new MeshConfigFile(meshFile, meshSettings, loggers.CreateLogger<MeshConfigFile>(), time, options.FileSettle)
            : null;
        var pushes = new PushCoordinator(source, snapshots, registry, time, options.Debounce, options.MaxDebounce,
            options.ConfigDirectory is { } directory ? Path.GetFullPath(directory) : "", metrics, loggers.CreateLogger<PushCoordinator>(), jwks, meshSettings,
            injectsSidecars: options.Webhooks is not null);

        app.MapGrpcService<DiscoveryService>();
        app.MapGrpcService<CertificateSigningService>();
        app.MapGrpcHealthChecksService();
        DebugEndpoints.Map(app, snapshots, readiness, registry, source, options.Kubernetes?.ClusterId ?? "Kubernetes");
        Kubernetes.InformerzEndpoint.Map(app, informers);
        // Text format 0.0.4 only, as istiod serves it. With OpenMetrics negotiated, prometheus-net would add exemplars to
        // istiod's counters, whose names have no _total, and Prometheus refuses the whole scrape for that.
        app.MapMetrics(
            settings =>
            {
                settings.Registry = metrics.Registry;
                settings.EnableOpenMetrics = false;
            },
            "/metrics");
        CertificateDebugEndpoint.Map(app, authority, issued);
        SecurityLog.CaReady(loggers.CreateLogger<CertificateSigningService>(), authority.TrustDomain, authority.Signing.Subject, authority.Signing.SerialNumber,
            authority.Signing.NotAfter.ToUniversalTime(), authority.Bundle.Roots.Count, authoritySource);
        if (options.ServingCertificateLifetime is { } lifetime)
        {
            serving = new ServingCertificateRotator(authority, options.ListenAddress, lifetime, time, loggers.CreateLogger<ServingCertificateRotator>());
        }

        // SIGTERM or Ctrl-C: say so at once, and how long stopping took, so a slow stop is never silent.
        var controlPlaneLogger = loggers.CreateLogger("Mesh.ControlPlane");
        var stoppingSince = 0L;
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            stoppingSince = time.GetTimestamp();
            ControlPlaneLog.Stopping(controlPlaneLogger, registry.Count);
        });
        app.Lifetime.ApplicationStopped.Register(() => ControlPlaneLog.Stopped(controlPlaneLogger, (long)time.GetElapsedTime(stoppingSince).TotalMilliseconds));

        var kubernetes = options.Kubernetes ?? new Kubernetes.KubernetesOptions();
        var injection = new Mesh.Injection.InjectionSettings
        {
            DiscoveryAddress = $"{options.Webhooks?.ServiceName ?? "istiod"}.{kubernetes.SystemNamespace}.svc:15012",
            ClusterId = kubernetes.ClusterId,
            TrustDomain = options.TrustDomain,
            Revision = kubernetes.Revision,
            SystemNamespace = kubernetes.SystemNamespace,
            ProxyImage = options.ProxyImage,
        };
        // With a cluster, the istio ConfigMap's mesh config adjusts these settings while the control plane runs.
        Kubernetes.MeshConfigWatcher? meshConfig = null;
        if (options.Kubernetes is { } meshCluster)
        {
            meshConfig = Kubernetes.MeshConfigWatcher.Create(Kubernetes.KubernetesConnection.Create(meshCluster), meshCluster, injection,
                authority.TrustDomain, time, loggers, informers, ownsClient: true, meshSettings);
            Kubernetes.MeshzEndpoint.Map(app, () => meshConfig.State);
        }

        WebhookServer? webhooks = null;
        if (options.Webhooks is { } webhookOptions)
        {
            var fixedInjector = new Mesh.Injection.SidecarInjector(injection);
            Func<Mesh.Injection.SidecarInjector> injector = meshConfig is null ? () => fixedInjector : () => meshConfig.Injector;
            webhooks = WebhookServer.Create(webhookOptions, options.ListenAddress, authority, kubernetes.SystemNamespace, kubernetes.DomainSuffix,
                options.ConfigLimits, injector, time, configureLogging,
                options.Kubernetes is { } cluster ? (Kubernetes.KubernetesConnection.Create(cluster), cluster) : null, informers,
                () => snapshots.Current?.ProxyConfigs ?? Mesh.Injection.ProxyConfigSet.Empty);
        }

        return new ControlPlaneServer(app, listeners, source, pushes, registry, snapshots, resourcePool, controlPlaneLogger, authority, serving, jwks, webhooks, kubernetesCa, meshConfig, meshConfigFile);
    }

    /// <summary>Loads (or creates) the CA, and says where from; throws <see cref="InvalidDataException"/> for a bad CA folder or Secret.</summary>
    private static (CertificateAuthority Authority, string Source) LoadAuthority(ControlPlaneOptions options, KubernetesCa? kubernetesCa, TimeProvider time)
    {
        if (kubernetesCa is not null)
        {
            // Once, before anything serves; off the caller's synchronization context so the wait cannot deadlock.
            return Task.Run(() => kubernetesCa.LoadAuthorityAsync(options.TrustDomain, CancellationToken.None)).GetAwaiter().GetResult();
        }

        return options.CaDirectory is null
            ? (CertificateAuthority.CreateSelfSigned(options.TrustDomain, time, TimeSpan.FromDays(3650)), "memory (not persisted)")
            : (CertificateAuthorityFolder.LoadOrCreate(options.CaDirectory, options.TrustDomain, time), options.CaDirectory);
    }

    /// <summary>The bootstrap token secret, kept beside the CA (in memory with an in-memory CA).</summary>
    private static BootstrapToken LoadTokens(ControlPlaneOptions options) => options.CaDirectory is null
        ? new BootstrapToken(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
        : BootstrapToken.LoadOrCreate(options.CaDirectory);

    /// <summary>Loads the config, builds the first snapshot, then starts serving.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // Before the first snapshot, so that it is built with the file's mesh config.
        _meshConfigFile?.Start();
        _source.Start();
        _pushes.Start();
        _kubernetesCa?.StartPublishing(_authority.Bundle.ToPem(), _app.Services.GetRequiredService<ILoggerFactory>());
        MeshConfig?.Start();
        await _app.StartAsync(cancellationToken);
        // As istiod, the mesh config is read before the webhooks answer: the first pods injected get it, not the defaults.
        if (MeshConfig is not null) await MeshConfig.FirstDecided.WaitAsync(cancellationToken);
        if (Webhooks is not null) await Webhooks.StartAsync(cancellationToken);
    }

    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        if (Webhooks is not null) await Webhooks.DisposeAsync();
        if (MeshConfig is not null) await MeshConfig.DisposeAsync();
        _pushes.Dispose();
        _meshConfigFile?.Dispose();
        _jwks.Dispose();
        if (_kubernetesCa is not null) await _kubernetesCa.DisposeAsync();
        _source.Dispose();
        await _app.DisposeAsync();
        _serving?.Dispose();
        _authority.Dispose();
    }
}
