namespace Mesh.ControlPlane.Security;

/// <summary>How the control plane fetches the key sets of RequestAuthentication jwksUri values (istiod's JWKS resolver settings).</summary>
internal sealed record JwksFetcherOptions
{
    /// <summary>How often every key set in use is fetched again (istiod's PILOT_JWT_PUB_KEY_REFRESH_INTERVAL: 20 min).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>A fetch's deadline when the rule sets no timeout (Istio's JWTRule.timeout default: 5 s).</summary>
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest key set (or OpenID discovery document) read; a larger answer is a failed fetch.</summary>
    public int MaxResponseBytes { get; init; } = 512 * 1024;

    /// <summary>After a failed fetch, the next comes this soon, doubling on each failure up to <see cref="RefreshInterval"/> (istiod: 1 s).</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a key set that cannot be fetched again is still served (istiod evicts a key not refreshed for 24 h);
    /// past it the issuer's tokens fail closed.
    /// </summary>
    public TimeSpan MaxStaleness { get; init; } = TimeSpan.FromHours(24);
}
