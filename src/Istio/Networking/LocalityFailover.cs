namespace Mesh.Istio.Networking;

/// <summary>Which region traffic fails over to when its own region's endpoints are unhealthy.</summary>
public sealed record LocalityFailover
{
    public string From { get; init; } = "";
    public string To { get; init; } = "";
}
