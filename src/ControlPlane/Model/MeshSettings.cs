using Mesh.Istio;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// The mesh config fields translation reads, as the model carries them: from the <c>istio</c> ConfigMap on a cluster,
/// from <c>--mesh-config</c> in local mode, else Istio's defaults.
/// </summary>
internal sealed record MeshSettings(OutboundTrafficPolicyMode OutboundTrafficPolicy)
{
    /// <summary>The Kubernetes Ingress fields (ingressClass, ingressControllerMode, ingressSelector, ingressService).</summary>
    public IngressSettings Ingress { get; init; } = IngressSettings.Default;

    /// <summary>meshConfig.extensionProviders, which a Telemetry's tracing names to choose where spans go.</summary>
    public TracingProviderTable TracingProviders { get; init; } = TracingProviderTable.Empty;

    /// <summary>
    /// Where <c>enableTracing: false</c> has injected proxies sample nothing by default: the percentage a Telemetry
    /// naming a tracing provider, without its own randomSamplingPercentage, samples at instead
    /// (<c>defaultConfig.tracing.sampling</c>, else Istio's 1), as Istio's Telemetry does. Null: the proxy's own
    /// <c>--trace-sampling</c>, which injection set from that same field.
    /// </summary>
    public double? ProviderSampling { get; init; }

    /// <summary>The key a push request names when only <see cref="TracingProviders"/> or <see cref="ProviderSampling"/> changed: the listeners of the proxies whose Telemetry names a provider.</summary>
    public static readonly ConfigKey TracingProvidersKey = new(ConfigKind, "", "extensionProviders");

    /// <summary>The key a push request names when the mesh config changed: the proxies that read it regenerate.</summary>
    public static readonly ConfigKey Key = new(ConfigKind, "", "mesh");

    public const string ConfigKind = "MeshConfig";

    /// <summary>
    /// The keys a change from <paramref name="previous"/> to <paramref name="current"/> pushes: the tracing providers
    /// (and the sampling of a Telemetry naming one) have a key of their own, since only Telemetry's tracing reads them;
    /// anything else is <see cref="Key"/>.
    /// </summary>
    public static HashSet<ConfigKey> ChangedKeys(MeshSettings previous, MeshSettings current)
    {
        var keys = new HashSet<ConfigKey>();
        if (!previous.TracingProviders.Equals(current.TracingProviders) || previous.ProviderSampling != current.ProviderSampling) keys.Add(TracingProvidersKey);
        if (previous with { TracingProviders = current.TracingProviders, ProviderSampling = current.ProviderSampling } != current) keys.Add(Key);
        return keys;
    }

    /// <summary>
    /// Istio's root namespace (meshConfig rootNamespace, fixed here): its policies and its Sidecar without selector
    /// apply mesh-wide.
    /// </summary>
    public const string RootNamespace = "istio-system";

    public static MeshSettings Default { get; } = new(OutboundTrafficPolicyMode.AllowAny);
}
