using Grpc.Core;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// The bearer tokens the control plane accepts, asked in order (istiod's authenticators list): the first that knows
/// the token's kind decides. One chain serves the CA and the discovery stream, so both accept the same tokens.
/// </summary>
internal sealed class TokenAuthenticatorChain(IReadOnlyList<ITokenAuthenticator> authenticators)
{
    public IReadOnlyList<ITokenAuthenticator> Authenticators => authenticators;

    /// <summary>What <paramref name="token"/> proves; a refusal when no authenticator knows its kind.</summary>
    public async ValueTask<TokenAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        foreach (var authenticator in authenticators)
        {
            if (await authenticator.AuthenticateAsync(token, cancellationToken) is { } result)
            {
                return result;
            }
        }

        var kinds = new string[authenticators.Count];
        for (var i = 0; i < kinds.Length; i++)
        {
            kinds[i] = authenticators[i].Credential;
        }

        return TokenAuthentication.Refused("token", "an unrecognised token",
            $"the token is not one this control plane issued: it is not a {string.Join(" nor a ", kinds)}", StatusCode.Unauthenticated);
    }
}
