using System.Text.Json;

namespace Mesh.Proxy.Authentication;

/// <summary>
/// The token a RequestAuthentication verified for one request: Istio's <c>request.auth.*</c> attributes, which
/// AuthorizationPolicy reads (<c>requestPrincipals</c> and the <c>when</c> keys). Set on the request feature by the
/// authentication step, before authorization runs; null when no token was presented or no RequestAuthentication applies.
/// </summary>
internal sealed class VerifiedJwt
{
    /// <summary>Istio's <c>request.auth.principal</c>: <c>&lt;iss&gt;/&lt;sub&gt;</c>.</summary>
    public required string Principal { get; init; }

    public required string Issuer { get; init; }

    public required string Subject { get; init; }

    /// <summary>The <c>aud</c> claim: one value or each of a list; empty when absent.</summary>
    public required IReadOnlyList<string> Audiences { get; init; }

    /// <summary>The <c>azp</c> claim (<c>request.auth.presenter</c>); null when absent.</summary>
    public required string? Presenter { get; init; }

    /// <summary>The whole payload, for <c>request.auth.claims[name]</c> and nested <c>[a][b]</c> lookups.</summary>
    public required JsonElement Payload { get; init; }
}
