using Mesh.Security;

namespace Mesh.ControlPlane.Discovery;

/// <summary>Who opened a discovery stream, as its credentials proved it: the identity, and which credential proved it.</summary>
/// <param name="Credential"><see cref="DiscoveryAuthenticator.ClientCertificate"/>, or the token's kind (<see cref="Security.ITokenAuthenticator.Credential"/>).</param>
internal sealed record DiscoveryCaller(SpiffeId Identity, string Credential);
