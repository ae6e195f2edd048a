using Mesh.Istio;
using Mesh.Istio.Analysis;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// What a config source serves: the resources accepted (each one's last good version), what it rejects now, and what
/// the analyzer says about the accepted resources taken together.
/// </summary>
/// <param name="Resources">In the source's order; the model sorts them.</param>
internal sealed record ConfigState(IReadOnlyList<IstioResource> Resources, IReadOnlyList<ConfigRejection> Rejections)
{
    public static readonly ConfigState Empty = new([], []);

    /// <summary>Services and workloads a platform (Kubernetes) registers; empty for a folder of YAML.</summary>
    public Model.PlatformRegistry Registry { get; init; } = Model.PlatformRegistry.Empty;

    /// <summary>
    /// Gateway TLS credentials from Kubernetes Secrets, by <c>namespace/name</c>; null where the source reads no Secrets
    /// (a folder: credentialName names a folder of PEM files there).
    /// </summary>
    public IReadOnlyDictionary<string, Model.TlsCredentialModel>? Credentials { get; init; }

    /// <summary>The analyzer's messages on <see cref="Resources"/>, in file and line order.</summary>
    public IReadOnlyList<AnalysisMessage> Messages { get; init; } = [];
}
