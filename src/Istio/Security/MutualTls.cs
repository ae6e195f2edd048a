namespace Mesh.Istio.Security;

/// <summary>A mutual TLS mode (PeerAuthentication's MutualTLS).</summary>
public sealed record MutualTls
{
    public MutualTlsMode? Mode { get; init; }
}
