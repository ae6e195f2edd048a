using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>Which resources a source's latest change added, modified or removed (a key may be listed whose content did not change).</summary>
internal sealed record ConfigChange(IReadOnlySet<ConfigKey> Keys);
