using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>The conditions a TCP connection must meet for a TCP route to apply.</summary>
public sealed record L4MatchAttributes
{
    public IReadOnlyList<string> DestinationSubnets { get; init; } = [];
    public uint? Port { get; init; }
    public string? SourceSubnet { get; init; }
    public IReadOnlyDictionary<string, string> SourceLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public string? SourceNamespace { get; init; }
}
