using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>How traffic from one locality is spread over other localities, by weight.</summary>
public sealed record LocalityDistribute
{
    public string From { get; init; } = "";
    public IReadOnlyDictionary<string, uint> To { get; init; } = ReadOnlyDictionary<string, uint>.Empty;
}
