namespace Mesh.Istio.Networking;

/// <summary>The Gateway resource: a load balancer at the edge of the mesh.</summary>
public sealed record Gateway : IstioResource
{
    public const string KindName = "Gateway";

    public override string Kind => KindName;

    public required GatewaySpec Spec { get; init; }
}
