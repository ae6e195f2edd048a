using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Routing.LoadBalancing;

/// <summary>Least request as Envoy does it: the power of two choices, the one with fewer requests in flight wins.</summary>
internal sealed class LeastRequestLoadBalancer(Random random) : ILoadBalancer
{
    public EndpointModel? Pick(EndpointModel[] endpoints)
    {
        switch (endpoints.Length)
        {
            case 0:
                return null;
            case 1:
                return endpoints[0];
        }

        var first = endpoints[random.Next(endpoints.Length)];
        var second = endpoints[random.Next(endpoints.Length)];
        return second.ActiveRequests < first.ActiveRequests ? second : first;
    }
}
