namespace Mesh.Istio.Networking;

/// <summary>The spec of a ServiceEntry: a service added to the mesh's registry.</summary>
public sealed record ServiceEntrySpec
{
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public IReadOnlyList<string> Addresses { get; init; } = [];
    public IReadOnlyList<ServicePort> Ports { get; init; } = [];
    public ServiceEntryLocation? Location { get; init; }
    public ServiceEntryResolution? Resolution { get; init; }
    public IReadOnlyList<WorkloadEntrySpec> Endpoints { get; init; } = [];
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<string> ExportTo { get; init; } = [];
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];
}
