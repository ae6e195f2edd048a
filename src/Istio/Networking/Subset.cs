using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>A named group of a service's endpoints selected by labels, with its own traffic policy.</summary>
public sealed record Subset
{
    public string Name { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public TrafficPolicy? TrafficPolicy { get; init; }
}
