namespace Mesh.Istio.Networking;

/// <summary>The VirtualService resource: routing rules for a set of hosts.</summary>
public sealed record VirtualService : IstioResource
{
    public const string KindName = "VirtualService";

    public override string Kind => KindName;

    public required VirtualServiceSpec Spec { get; init; }
}
