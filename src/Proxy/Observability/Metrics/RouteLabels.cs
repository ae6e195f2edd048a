namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Which route rule a request took: the VirtualService (name and namespace), the route's name, and the destination
/// subset chosen. All come from configuration, never from the request, so their cardinality is that of the config.
/// </summary>
internal sealed record RouteLabels(
    string Reporter,
    string? VirtualService,
    string? VirtualServiceNamespace,
    string? Route,
    string? DestinationSubset);
