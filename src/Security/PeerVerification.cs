// The outcome of checking a peer's certificate: the verified identity, or why it was refused.
namespace Mesh.Security;

/// <summary>Either <see cref="Identity"/> (verified) or <see cref="Error"/> (a sentence for a log line).</summary>
public sealed record PeerVerification(SpiffeId? Identity, string? Error)
{
    public bool IsVerified => Identity is not null;

    public static PeerVerification Refused(string error) => new(null, error);
}
