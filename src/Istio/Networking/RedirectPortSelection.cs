namespace Mesh.Istio.Networking;

/// <summary>Which port an HTTP redirect derives when none is given.</summary>
public enum RedirectPortSelection
{
    /// <summary>Istio: <c>FROM_PROTOCOL_DEFAULT</c>.</summary>
    FromProtocolDefault,
    /// <summary>Istio: <c>FROM_REQUEST_PORT</c>.</summary>
    FromRequestPort,
}
