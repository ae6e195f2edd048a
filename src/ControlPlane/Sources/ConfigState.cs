using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>What a config source serves: the resources accepted (each file's last good content) and the files rejected now.</summary>
/// <param name="Resources">In file order, then document order.</param>
/// <param name="FileCount">How many files the resources came from.</param>
internal sealed record ConfigState(IReadOnlyList<IstioResource> Resources, IReadOnlyList<FileRejection> Rejections, int FileCount)
{
    public static readonly ConfigState Empty = new([], [], 0);
}
