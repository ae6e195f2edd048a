namespace Mesh.Istio.Networking;

/// <summary>
/// The ProxyConfig resource (networking.istio.io/v1beta1): the proxy settings of the pods it selects, applied when the
/// injector adds their sidecar (a change takes effect on pods created after it, as in Istio).
/// </summary>
public sealed record ProxyConfig : IstioResource
{
    public const string KindName = "ProxyConfig";

    /// <summary>The one version Istio serves ProxyConfig at.</summary>
    public const string ServedVersion = "v1beta1";

    public override string Kind => KindName;

    public required ProxyConfigSpec Spec { get; init; }
}
