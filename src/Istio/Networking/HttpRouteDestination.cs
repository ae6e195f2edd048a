namespace Mesh.Istio.Networking;

/// <summary>A weighted destination of an HTTP route, with header changes for requests sent there.</summary>
public sealed record HttpRouteDestination
{
    public Destination? Destination { get; init; }
    public int Weight { get; init; }
    public Headers? Headers { get; init; }
}
