namespace Mesh.Istio.Networking;

/// <summary>The ServiceEntry resource: a service added to the mesh's service registry.</summary>
public sealed record ServiceEntry : IstioResource
{
    public const string KindName = "ServiceEntry";

    public override string Kind => KindName;

    public required ServiceEntrySpec Spec { get; init; }
}
