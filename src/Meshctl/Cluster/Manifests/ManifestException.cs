namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>The manifests cannot be rendered: a file is missing or malformed, or a kustomization uses a field meshctl does not render.</summary>
internal sealed class ManifestException(string message) : Exception(message);
