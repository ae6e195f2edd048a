using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>A Gateway, named the way VirtualServices reference it (<c>ns/name</c>).</summary>
internal sealed record GatewayModel(Gateway Resource)
{
    public string Key => $"{Resource.Metadata.Namespace}/{Resource.Metadata.Name}";
    public string Namespace => Resource.Metadata.Namespace;
    public GatewaySpec Spec => Resource.Spec;

    /// <summary>Istio selects gateway proxies whose labels include every selector label; an empty selector selects all.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> proxyLabels) => Istio.LabelSelector.Includes(proxyLabels, Spec.Selector);
}
