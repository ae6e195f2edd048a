using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>The conditions an HTTP request must meet for a route to apply; all set conditions must hold.</summary>
public sealed record HttpMatchRequest
{
    public string? Name { get; init; }
    public StringMatch? Uri { get; init; }
    public StringMatch? Scheme { get; init; }
    public StringMatch? Method { get; init; }
    public StringMatch? Authority { get; init; }
    public IReadOnlyDictionary<string, StringMatch> Headers { get; init; } = ReadOnlyDictionary<string, StringMatch>.Empty;
    public uint? Port { get; init; }
    public IReadOnlyDictionary<string, string> SourceLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public IReadOnlyDictionary<string, StringMatch> QueryParams { get; init; } = ReadOnlyDictionary<string, StringMatch>.Empty;
    public bool IgnoreUriCase { get; init; }
    public IReadOnlyDictionary<string, StringMatch> WithoutHeaders { get; init; } = ReadOnlyDictionary<string, StringMatch>.Empty;
    public string? SourceNamespace { get; init; }
    public string? StatPrefix { get; init; }
}
