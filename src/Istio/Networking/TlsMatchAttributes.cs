using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>The conditions a TLS connection must meet for a TLS route to apply.</summary>
public sealed record TlsMatchAttributes
{
    public IReadOnlyList<string> SniHosts { get; init; } = [];
    public IReadOnlyList<string> DestinationSubnets { get; init; } = [];
    public uint? Port { get; init; }
    public IReadOnlyDictionary<string, string> SourceLabels { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public string? SourceNamespace { get; init; }
}
