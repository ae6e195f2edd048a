namespace Mesh.Istio.Security;

/// <summary>Istio's JWTRule: one issuer's tokens, where they are found, the keys that verify them, and what is forwarded.</summary>
public sealed record JwtRule
{
    public string Issuer { get; init; } = "";
    public IReadOnlyList<string> Audiences { get; init; } = [];
    public string JwksUri { get; init; } = "";
    public string Jwks { get; init; } = "";
    public IReadOnlyList<JwtHeader> FromHeaders { get; init; } = [];
    public IReadOnlyList<string> FromParams { get; init; } = [];
    public IReadOnlyList<string> FromCookies { get; init; } = [];
    public string OutputPayloadToHeader { get; init; } = "";
    public bool? ForwardOriginalToken { get; init; }
    public IReadOnlyList<ClaimToHeader> OutputClaimToHeaders { get; init; } = [];

    /// <summary>How long fetching the key set from <see cref="JwksUri"/> may take (Istio: 5 s when unset).</summary>
    public TimeSpan? Timeout { get; init; }
}
