namespace Mesh.Istio.Networking;

/// <summary>A TLS protocol version bound of a gateway server.</summary>
public enum TlsProtocol
{
    /// <summary>Istio: <c>TLS_AUTO</c>.</summary>
    TlsAuto,
    /// <summary>Istio: <c>TLSV1_0</c>.</summary>
    TlsV1_0,
    /// <summary>Istio: <c>TLSV1_1</c>.</summary>
    TlsV1_1,
    /// <summary>Istio: <c>TLSV1_2</c>.</summary>
    TlsV1_2,
    /// <summary>Istio: <c>TLSV1_3</c>.</summary>
    TlsV1_3,
}
