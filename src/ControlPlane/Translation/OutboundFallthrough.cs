using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's last virtual host of a captured sidecar's outbound HTTP routes, for a request whose authority no service
/// claims: <c>allow_any</c> forwards it to its original destination (PassthroughCluster) under ALLOW_ANY;
/// <c>block_all</c> answers 502 under REGISTRY_ONLY.
/// </summary>
internal static class OutboundFallthrough
{
    public const string AllowAny = "allow_any";
    public const string BlockAll = "block_all";

    public static VirtualHost VirtualHost(OutboundTrafficPolicyMode mode)
    {
        var route = new Route { Match = RouteMatchTranslator.CatchAll(), Origin = new RouteOrigin() };
        string name;
        if (mode == OutboundTrafficPolicyMode.RegistryOnly)
        {
            name = BlockAll;
            route.DirectResponse = new DirectResponseAction { Status = 502 };
        }
        else
        {
            name = AllowAny;
            var action = new RouteAction();
            action.Clusters.Add(new WeightedCluster { Name = CaptureClusters.Passthrough, Weight = 100 });
            route.Route_ = action;
        }
        route.Name = name;
        return new VirtualHost { Name = name, Domains = { "*" }, Routes = { route }, IncludeRequestAttemptCount = true };
    }
}
