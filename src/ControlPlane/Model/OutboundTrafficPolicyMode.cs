namespace Mesh.ControlPlane.Model;

/// <summary>
/// Istio's MeshConfig <c>outboundTrafficPolicy.mode</c>: what a captured sidecar does with a connection (or an HTTP
/// request) to a destination the registry does not know.
/// </summary>
internal enum OutboundTrafficPolicyMode
{
    /// <summary>ALLOW_ANY, Istio's default: it goes to its original destination (PassthroughCluster).</summary>
    AllowAny,

    /// <summary>REGISTRY_ONLY: it is refused (BlackHoleCluster; 502 for an HTTP request).</summary>
    RegistryOnly,
}
