using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>Istio's default route for a service no VirtualService covers: everything to the service cluster, with the default retry policy.</summary>
internal static class DefaultRoute
{
    public static Route To(string clusterName)
    {
        var action = new RouteAction { RetryPolicy = RetryPolicyTranslator.Default() };
        action.Clusters.Add(new WeightedCluster { Name = clusterName, Weight = 100 });
        return new Route { Name = "default", Match = RouteMatchTranslator.CatchAll(), Route_ = action, Origin = new RouteOrigin() };
    }
}
