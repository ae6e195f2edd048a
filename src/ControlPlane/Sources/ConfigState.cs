using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>What a config source serves: the resources accepted (each one's last good version) and what it rejects now.</summary>
/// <param name="Resources">In the source's order; the model sorts them.</param>
internal sealed record ConfigState(IReadOnlyList<IstioResource> Resources, IReadOnlyList<ConfigRejection> Rejections)
{
    public static readonly ConfigState Empty = new([], []);
}
