namespace Mesh.Istio.Networking;

/// <summary>The WorkloadEntry resource: a single non-Kubernetes workload (a VM, or a local process).</summary>
public sealed record WorkloadEntry : IstioResource
{
    public const string KindName = "WorkloadEntry";

    public override string Kind => KindName;

    public required WorkloadEntrySpec Spec { get; init; }
}
