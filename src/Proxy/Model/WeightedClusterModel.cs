
namespace Mesh.Proxy.Model;

/// <summary>One backend of a route's split: the cluster name, its weight and its destination-level header operations.</summary>
internal sealed class WeightedClusterModel(string name, int weight, HeaderOperationsModel requestHeaders, HeaderOperationsModel responseHeaders)
{
    public string Name { get; } = name;

    public int Weight { get; } = weight;

    public HeaderOperationsModel RequestHeaders { get; } = requestHeaders;

    public HeaderOperationsModel ResponseHeaders { get; } = responseHeaders;
}
