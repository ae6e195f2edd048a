using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Authorization;

/// <summary>
/// What authorization reads of one request or connection. Implemented by structs, so the authorizer's generic methods
/// are specialised per kind of traffic and never box or dispatch virtually.
/// </summary>
internal interface IAuthorizationAttributes
{
    /// <summary>
    /// False for an attribute this kind of traffic cannot have (an HTTP-only one on a TCP connection): a rule that
    /// needs it fails closed, as in Istio (an ALLOW rule never matches, a DENY rule matches as if it held).
    /// </summary>
    bool Has(AuthorizationAttribute attribute);

    /// <summary>Whether any of the match's values matches the attribute; an absent value matches none.</summary>
    bool AnyValue(AuthorizationMatchModel match);
}
