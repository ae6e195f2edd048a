namespace Mesh.Istio.Networking;

/// <summary>How a gateway server terminates or passes through TLS.</summary>
public enum ServerTlsMode
{
    /// <summary>Istio: <c>PASSTHROUGH</c>.</summary>
    Passthrough,
    /// <summary>Istio: <c>SIMPLE</c>.</summary>
    Simple,
    /// <summary>Istio: <c>MUTUAL</c>.</summary>
    Mutual,
    /// <summary>Istio: <c>AUTO_PASSTHROUGH</c>.</summary>
    AutoPassthrough,
    /// <summary>Istio: <c>ISTIO_MUTUAL</c>.</summary>
    IstioMutual,
    /// <summary>Istio: <c>OPTIONAL_MUTUAL</c>.</summary>
    OptionalMutual,
}
