using System.Collections.ObjectModel;

namespace Mesh.Istio;

/// <summary>Selects workloads by labels (Istio's type WorkloadSelector, with matchLabels).</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string> MatchLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Istio's label subset test: every selector label is present with the same value; no labels select all.</summary>
    public bool Selects(IReadOnlyDictionary<string, string> labels) => Includes(labels, MatchLabels);

    /// <summary>Istio's label subset test (labels.Instance.SubsetOf), for every kind's selector: each of <paramref name="selector"/> is in <paramref name="labels"/>.</summary>
    public static bool Includes(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector)
    {
        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }
}
