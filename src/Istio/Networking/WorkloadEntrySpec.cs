using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>The spec of a WorkloadEntry (also a ServiceEntry endpoint): one non-Kubernetes workload.</summary>
public sealed record WorkloadEntrySpec
{
    public string? Address { get; init; }
    public IReadOnlyDictionary<string, uint> Ports { get; init; } = ReadOnlyDictionary<string, uint>.Empty;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public string? Network { get; init; }
    public string? Locality { get; init; }
    public uint? Weight { get; init; }
    public string? ServiceAccount { get; init; }
}
