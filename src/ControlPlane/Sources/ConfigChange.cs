using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>Which resources a source's latest change added, modified or removed; never empty.</summary>
internal sealed record ConfigChange(IReadOnlySet<ConfigKey> Keys);
