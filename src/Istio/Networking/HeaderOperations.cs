using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>Header values to overwrite, append and remove.</summary>
public sealed record HeaderOperations
{
    public IReadOnlyDictionary<string, string> Set { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public IReadOnlyDictionary<string, string> Add { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public IReadOnlyList<string> Remove { get; init; } = [];
}
