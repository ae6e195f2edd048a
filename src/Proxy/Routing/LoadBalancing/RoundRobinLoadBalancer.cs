using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing.LoadBalancing;

/// <summary>Round robin: each pick takes the next endpoint in turn.</summary>
internal sealed class RoundRobinLoadBalancer : ILoadBalancer
{
    private int _next = -1;

    public EndpointModel? Pick(EndpointModel[] endpoints)
    {
        if (endpoints.Length == 0)
        {
            return null;
        }

        var turn = (uint)Interlocked.Increment(ref _next);
        return endpoints[turn % (uint)endpoints.Length];
    }
}
