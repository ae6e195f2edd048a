namespace Mesh.Istio.Networking;

/// <summary>The PROXY protocol version sent to an upstream.</summary>
public enum ProxyProtocolVersion
{
    /// <summary>Istio: <c>V1</c>.</summary>
    V1,
    /// <summary>Istio: <c>V2</c>.</summary>
    V2,
}
