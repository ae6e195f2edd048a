// The verified SPIFFE identity of the peer on a mutual-TLS inbound connection; absent on plaintext connections.
namespace Mesh.Proxy.Identity;

/// <summary>
/// Set on <c>HttpContext.Features</c> by a sidecar inbound listener once the peer's client certificate has been
/// verified against the trust bundle. Its absence means the connection was plaintext: a TLS feature alone does not
/// mean encrypted, because h2c detection attaches a stand-in TLS feature without a certificate.
/// </summary>
internal sealed class PeerIdentityFeature
{
    public required string SpiffeId { get; init; }
}
