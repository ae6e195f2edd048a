using System.Collections.ObjectModel;

namespace Mesh.Istio;

/// <summary>Selects workloads by labels (Istio's type WorkloadSelector, with matchLabels).</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
