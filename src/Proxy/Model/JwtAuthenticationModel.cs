namespace Mesh.Proxy.Model;

/// <summary>A listener's compiled RequestAuthentication: every location a token may come from, each with its providers.</summary>
internal sealed class JwtAuthenticationModel
{
    /// <summary>In rule order; the first location holding a token decides which token the request is authenticated with.</summary>
    public required JwtLocationModel[] Locations { get; init; }

    /// <summary>
    /// Headers the providers write (payload and claims): removed from every request first, so a header the backend
    /// sees was written by this proxy from a verified token, never sent by the client.
    /// </summary>
    public required string[] OutputHeaders { get; init; }
}
