using System.Net;

namespace Mesh.ControlPlane;

/// <summary>The control plane's settings, as the command line gives them.</summary>
internal sealed record ControlPlaneOptions
{
    /// <summary>The folder of Istio YAML to serve and watch; null when the cluster alone is the source.</summary>
    public string? ConfigDirectory { get; init; }

    /// <summary>Local mode: Istio's MeshConfig YAML (outboundTrafficPolicy, extensionProviders), watched; null: Istio's defaults. On a cluster the istio ConfigMap is read instead.</summary>
    public string? MeshConfigFile { get; init; }
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The discovery (gRPC, HTTP/2 only) port; 0 picks a free one.</summary>
    public int GrpcPort { get; init; } = 15010;

    /// <summary>The debug and readiness (HTTP/1.1) port; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = 15014;

    /// <summary>How long config must stay quiet before a push.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a push waits while config keeps changing.</summary>
    public TimeSpan MaxDebounce { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many proxies may regenerate and receive their configuration at once (istiod's PILOT_PUSH_THROTTLE, 100): a
    /// push to thousands of proxies, or all of them reconnecting, queues instead of taking every core and buffer.
    /// </summary>
    public int MaxConcurrentPushes { get; init; } = 100;

    /// <summary>How long a changed file must stay unchanged before it is read.</summary>
    public TimeSpan FileSettle { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>What one config file may hold (bytes, YAML nodes); a file past them is rejected and its last good content serves.</summary>
    public Mesh.Istio.ConfigInputLimits ConfigLimits { get; init; } = Mesh.Istio.ConfigInputLimits.Default;

    /// <summary>The CA folder (Istio's cacerts layout); a self-signed root is created there on first start. Null: an in-memory CA for this run only.</summary>
    public string? CaDirectory { get; init; }

    /// <summary>The SPIFFE trust domain of workload identities.</summary>
    public string TrustDomain { get; init; } = Mesh.Security.SpiffeId.DefaultTrustDomain;

    /// <summary>The lifetime of a workload certificate when the proxy asks for none.</summary>
    public TimeSpan WorkloadCertificateLifetime { get; init; } = Mesh.Security.CertificateAuthority.DefaultWorkloadLifetime;

    /// <summary>
    /// Serve the gRPC port over TLS with a certificate from the CA (istiod's identity), reissued at 80% of this
    /// lifetime. Null serves plaintext h2c (in-process tests only; the command line always sets it).
    /// </summary>
    public TimeSpan? ServingCertificateLifetime { get; init; }

    /// <summary>
    /// Serve discovery streams that offer no credential at all, without checking the node they claim (in-process tests
    /// that are about something else; the command line never sets it). A credential offered is checked all the same.
    /// </summary>
    public bool AllowAnonymousDiscovery { get; init; }

    /// <summary>How the key sets of RequestAuthentication jwksUri values are fetched and refreshed.</summary>
    public Security.JwksFetcherOptions Jwks { get; init; } = new();

    /// <summary>
    /// The cluster the control plane reads, when it runs on Kubernetes: the CA then keeps its keys in Secrets of the
    /// system namespace (not <see cref="CaDirectory"/>) and accepts pods' service-account tokens. Null: local mode only.
    /// </summary>
    public Kubernetes.KubernetesOptions? Kubernetes { get; init; }

    /// <summary>The longest lifetime a proxy may ask for.</summary>
    public TimeSpan MaxWorkloadCertificateLifetime { get; init; } = TimeSpan.FromDays(90);

    /// <summary>The admission webhooks' TLS listener (/inject, /validate); null: none.</summary>
    public Webhooks.WebhookOptions? Webhooks { get; init; }

    /// <summary>The image the injector gives the istio-proxy container (a pod's sidecar.istio.io/proxyImage annotation wins).</summary>
    public string ProxyImage { get; init; } = Mesh.Injection.InjectionSettings.DefaultProxyImage;
}
