namespace Mesh.Istio.Networking;

/// <summary>What a CORS policy does with preflight requests that match no allowed origin.</summary>
public enum UnmatchedPreflights
{
    /// <summary>Istio: <c>UNSPECIFIED</c>.</summary>
    Unspecified,
    /// <summary>Istio: <c>FORWARD</c>.</summary>
    Forward,
    /// <summary>Istio: <c>IGNORE</c>.</summary>
    Ignore,
}
