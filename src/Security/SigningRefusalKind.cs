// Why the CA would not sign a CSR it was given: each kind maps to a gRPC status (authentication is the caller's job).
namespace Mesh.Security;

public enum SigningRefusalKind
{
    /// <summary>The CSR cannot be parsed, its signature does not verify, or it names no valid identity.</summary>
    Malformed,
    /// <summary>A key type or size the CA does not sign.</summary>
    WeakKey,
}
