namespace Mesh.Istio.Networking;

/// <summary>Istio's CaptureMode: how a Sidecar listener's traffic reaches the proxy.</summary>
public enum CaptureMode
{
    /// <summary>Istio: <c>DEFAULT</c>.</summary>
    Default,
    /// <summary>Istio: <c>IPTABLES</c>.</summary>
    Iptables,
    /// <summary>Istio: <c>NONE</c>.</summary>
    None,
}
