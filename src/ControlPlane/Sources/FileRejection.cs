using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>A file whose current content was rejected, why, and how many resources of its last good content still serve.</summary>
internal sealed record FileRejection(string File, IReadOnlyList<ConfigError> Errors, int ResourcesStillServed);
