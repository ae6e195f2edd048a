using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing.LoadBalancing;

/// <summary>Random: each pick draws an endpoint uniformly from the injected random source.</summary>
internal sealed class RandomLoadBalancer(Random random) : ILoadBalancer
{
    public EndpointModel? Pick(EndpointModel[] endpoints) =>
        endpoints.Length == 0 ? null : endpoints[random.Next(endpoints.Length)];
}
