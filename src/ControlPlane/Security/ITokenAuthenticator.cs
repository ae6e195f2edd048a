namespace Mesh.ControlPlane.Security;

/// <summary>One kind of bearer token the control plane accepts from proxies (local mode's bootstrap token, a Kubernetes service-account token).</summary>
internal interface ITokenAuthenticator
{
    /// <summary>The credential's name in statuses and logs: "bootstrap token", "Kubernetes token".</summary>
    string Credential { get; }

    /// <summary>
    /// Checks <paramref name="token"/>; null when it is not a token of this kind (the next authenticator is asked).
    /// Never throws for a bad token: a refusal says why.
    /// </summary>
    ValueTask<TokenAuthentication?> AuthenticateAsync(string token, CancellationToken cancellationToken);
}
