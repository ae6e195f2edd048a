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

    /// <summary>
    /// The x-forwarded-client-cert value the inbound sidecar gives the application, as Envoy writes it
    /// (By=&lt;own id&gt;;Hash=&lt;sha256 of the peer certificate&gt;;Subject="";URI=&lt;peer id&gt;); built once per connection.
    /// </summary>
    public string ForwardedClientCert { get; init; } = string.Empty;
}
