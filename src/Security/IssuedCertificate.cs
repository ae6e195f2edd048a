// What the CA hands back for an accepted CSR: the leaf, the chain up to (not including) the root, and the trust bundle.
namespace Mesh.Security;

public sealed record IssuedCertificate(
    SpiffeId Identity,
    string SerialNumber,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string CertificatePem,
    IReadOnlyList<string> ChainPem,
    string TrustBundlePem);
