using System.Collections.ObjectModel;

namespace Mesh.Istio.Security;

/// <summary>The spec of a PeerAuthentication: the mutual TLS mode of inbound traffic.</summary>
public sealed record PeerAuthenticationSpec
{
    public LabelSelector? Selector { get; init; }
    public MutualTls? Mtls { get; init; }
    public IReadOnlyDictionary<uint, MutualTls> PortLevelMtls { get; init; } = ReadOnlyDictionary<uint, MutualTls>.Empty;
}
