namespace Mesh.Istio.Networking;

/// <summary>Istio's OutboundTrafficPolicy.Mode, as a Sidecar writes it.</summary>
public enum OutboundTrafficMode
{
    /// <summary>Istio: <c>REGISTRY_ONLY</c>: only hosts in the registry are reachable.</summary>
    RegistryOnly,
    /// <summary>Istio: <c>ALLOW_ANY</c>: an unknown destination is reached directly.</summary>
    AllowAny,
}
