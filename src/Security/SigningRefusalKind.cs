// Why the CA would not sign: each kind maps to a gRPC status.
namespace Mesh.Security;

public enum SigningRefusalKind
{
    /// <summary>No credentials, or credentials the CA did not issue.</summary>
    Unauthenticated,
    /// <summary>Valid credentials for another identity than the one requested.</summary>
    IdentityMismatch,
    /// <summary>The CSR cannot be parsed, its signature does not verify, or it names no valid identity.</summary>
    Malformed,
    /// <summary>A key type or size the CA does not sign.</summary>
    WeakKey,
}
