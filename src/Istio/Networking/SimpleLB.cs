namespace Mesh.Istio.Networking;

/// <summary>The simple load balancing algorithm of a DestinationRule.</summary>
public enum SimpleLB
{
    /// <summary>Istio: <c>UNSPECIFIED</c>.</summary>
    Unspecified,
    /// <summary>Istio: <c>LEAST_CONN</c>.</summary>
    LeastConn,
    /// <summary>Istio: <c>RANDOM</c>.</summary>
    Random,
    /// <summary>Istio: <c>PASSTHROUGH</c>.</summary>
    Passthrough,
    /// <summary>Istio: <c>ROUND_ROBIN</c>.</summary>
    RoundRobin,
    /// <summary>Istio: <c>LEAST_REQUEST</c>.</summary>
    LeastRequest,
}
