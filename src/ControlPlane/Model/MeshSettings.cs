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

    /// <summary>The key a push request names when only <see cref="TracingProviders"/> changed: the listeners of the proxies whose Telemetry names a provider.</summary>
    public static readonly ConfigKey TracingProvidersKey = new(ConfigKind, "", "extensionProviders");

    /// <summary>The key a push request names when the mesh config changed: the proxies that read it regenerate.</summary>
    public static readonly ConfigKey Key = new(ConfigKind, "", "mesh");

    public const string ConfigKind = "MeshConfig";

    /// <summary>
    /// Istio's root namespace (meshConfig rootNamespace, fixed here): its policies and its Sidecar without selector
    /// apply mesh-wide.
    /// </summary>
    public const string RootNamespace = "istio-system";

    public static MeshSettings Default { get; } = new(OutboundTrafficPolicyMode.AllowAny);
}
