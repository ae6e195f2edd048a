// Thrown when the CA refuses a signing request; carries the refusal kind for the caller's status.
namespace Mesh.Security;

public sealed class SigningRefusedException(SigningRefusalKind kind, string message) : Exception(message)
{
    public SigningRefusalKind Kind { get; } = kind;
}
