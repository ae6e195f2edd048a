// A CSR the CA may sign: its public key and the one identity it asks for.
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security;

public sealed record ValidatedSigningRequest(PublicKey PublicKey, SpiffeId RequestedIdentity);
