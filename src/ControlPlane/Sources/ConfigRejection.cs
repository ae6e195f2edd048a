using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Config a source could not accept, why, and how many resources of its last good version still serve.
/// </summary>
/// <param name="Origin">Where it came from as the user names it: a file of the config folder (or, from Kubernetes, the object).</param>
internal sealed record ConfigRejection(string Origin, IReadOnlyList<ConfigError> Errors, int ResourcesStillServed);
