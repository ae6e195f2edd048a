using System.Collections.ObjectModel;

namespace Mesh.Istio;

/// <summary>Selects workloads by labels (Istio's type WorkloadSelector, with matchLabels).</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Istio's label subset test: every selector label is present with the same value; no labels select all.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }
}
