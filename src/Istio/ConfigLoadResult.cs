namespace Mesh.Istio;

/// <summary>What a load produced: the resources that passed validation, and the problems of those that did not.</summary>
/// <param name="Resources">Valid resources, in file order then document order.</param>
/// <param name="Errors">One or more per rejected document; a rejected document contributes no resource.</param>
/// <param name="Warnings">Problems that did not reject a document, such as unknown fields (Kubernetes would prune them).</param>
public sealed record ConfigLoadResult(
    IReadOnlyList<IstioResource> Resources,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<ConfigError> Warnings)
{
    public bool HasErrors => Errors.Count > 0;
}
