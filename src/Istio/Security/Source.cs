namespace Mesh.Istio.Security;

/// <summary>The identities and addresses of a request's source; all set fields must match.</summary>
public sealed record Source
{
    public IReadOnlyList<string> Principals { get; init; } = [];
    public IReadOnlyList<string> NotPrincipals { get; init; } = [];
    public IReadOnlyList<string> RequestPrincipals { get; init; } = [];
    public IReadOnlyList<string> NotRequestPrincipals { get; init; } = [];
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    public IReadOnlyList<string> NotNamespaces { get; init; } = [];
    public IReadOnlyList<string> ServiceAccounts { get; init; } = [];
    public IReadOnlyList<string> NotServiceAccounts { get; init; } = [];
    public IReadOnlyList<string> IpBlocks { get; init; } = [];
    public IReadOnlyList<string> NotIpBlocks { get; init; } = [];
    public IReadOnlyList<string> RemoteIpBlocks { get; init; } = [];
    public IReadOnlyList<string> NotRemoteIpBlocks { get; init; } = [];
    public IReadOnlyList<string> TrustDomains { get; init; } = [];
    public IReadOnlyList<string> NotTrustDomains { get; init; } = [];
}
