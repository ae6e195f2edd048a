using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>Selects the workloads (pods and WorkloadEntries) by labels.</summary>
public sealed record WorkloadSelector
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
