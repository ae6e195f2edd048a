using Mesh.Security;

namespace Mesh.ControlPlane.Discovery;

/// <summary>Who opened a discovery stream, as its credentials proved it: the identity, and which credential proved it.</summary>
/// <param name="Credential"><see cref="DiscoveryAuthenticator.ClientCertificate"/> or <see cref="DiscoveryAuthenticator.Token"/>.</param>
internal sealed record DiscoveryCaller(SpiffeId Identity, string Credential);
