namespace Mesh.Istio.Networking;

/// <summary>How a sidecar originates TLS to a destination.</summary>
public enum ClientTlsMode
{
    /// <summary>Istio: <c>DISABLE</c>.</summary>
    Disable,
    /// <summary>Istio: <c>SIMPLE</c>.</summary>
    Simple,
    /// <summary>Istio: <c>MUTUAL</c>.</summary>
    Mutual,
    /// <summary>Istio: <c>ISTIO_MUTUAL</c>.</summary>
    IstioMutual,
}
