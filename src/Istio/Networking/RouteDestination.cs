namespace Mesh.Istio.Networking;

/// <summary>A weighted destination of a TLS or TCP route.</summary>
public sealed record RouteDestination
{
    public Destination? Destination { get; init; }
    public int Weight { get; init; }
}
