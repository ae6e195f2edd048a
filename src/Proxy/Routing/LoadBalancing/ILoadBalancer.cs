using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing.LoadBalancing;

/// <summary>Picks the endpoint of a cluster that serves the next attempt; null when the cluster has none.</summary>
internal interface ILoadBalancer
{
    EndpointModel? Pick(EndpointModel[] endpoints);
}
