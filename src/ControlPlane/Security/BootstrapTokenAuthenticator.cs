using Mesh.Security;

namespace Mesh.ControlPlane.Security;

/// <summary>Local mode's credential: a token minted by this control plane with its bootstrap secret names the identity.</summary>
internal sealed class BootstrapTokenAuthenticator(BootstrapToken tokens) : ITokenAuthenticator
{
    public const string Name = "bootstrap token";

    public string Credential => Name;

    public ValueTask<TokenAuthentication?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        // Only "<identity>.<mac>" is a bootstrap token; anything else (a Kubernetes JWT has two dots) is another kind's.
        if (!BootstrapToken.TryReadIdentity(token, out var claimed, out _) || token.IndexOf('.') != token.LastIndexOf('.'))
        {
            return ValueTask.FromResult<TokenAuthentication?>(null);
        }

        return ValueTask.FromResult<TokenAuthentication?>(tokens.Authenticate(token) is { } identity
            ? TokenAuthentication.Proven(identity, Name, identity.Uri)
            : TokenAuthentication.Refused(Name, $"a token claiming {claimed.Uri}", "the bootstrap token is not one this control plane issued"));
    }
}
