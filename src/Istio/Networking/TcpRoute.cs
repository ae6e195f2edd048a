namespace Mesh.Istio.Networking;

/// <summary>A routing rule for opaque TCP traffic.</summary>
public sealed record TcpRoute
{
    public IReadOnlyList<L4MatchAttributes> Match { get; init; } = [];
    public IReadOnlyList<RouteDestination> Route { get; init; } = [];
}
