using Microsoft.IdentityModel.Tokens;

namespace Mesh.Proxy.Model;

/// <summary>One compiled JWT rule: the issuer, audiences and parsed keys that verify its tokens, and what it forwards.</summary>
internal sealed class JwtProviderModel
{
    /// <summary>Empty: any issuer whose token these keys verify.</summary>
    public required string Issuer { get; init; }

    /// <summary>Empty: the audience is not checked.</summary>
    public required string[] Audiences { get; init; }

    /// <summary>The key set's keys; empty when it has none usable, so every token of this issuer fails (fail closed).</summary>
    public required JsonWebKey[] Keys { get; init; }

    /// <summary>The header that receives the verified payload (base64url); null when none.</summary>
    public required string? OutputPayloadToHeader { get; init; }

    public required bool ForwardOriginalToken { get; init; }

    /// <summary>(header, claim) pairs copied from a verified token.</summary>
    public required (string Header, string Claim)[] OutputClaimToHeaders { get; init; }

    /// <summary>"namespace/name jwtRules[i]", for logs.</summary>
    public required string Origin { get; init; }

    /// <summary>Whether a token whose <c>iss</c> is <paramref name="issuer"/> is this provider's to verify.</summary>
    public bool AcceptsIssuer(string? issuer) => Issuer.Length == 0 || string.Equals(Issuer, issuer, StringComparison.Ordinal);
}
