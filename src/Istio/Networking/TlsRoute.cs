namespace Mesh.Istio.Networking;

/// <summary>A routing rule for TLS traffic, matched on SNI.</summary>
public sealed record TlsRoute
{
    public IReadOnlyList<TlsMatchAttributes> Match { get; init; } = [];
    public IReadOnlyList<RouteDestination> Route { get; init; } = [];
}
