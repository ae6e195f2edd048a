using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Authorization;

/// <summary>
/// A TLS passthrough connection's attributes: its addresses, ports and the ClientHello's SNI. TLS is not terminated,
/// so there is no peer identity (principals, namespaces and trust domains match no value); the HTTP-only attributes
/// (hosts, methods, paths, headers, request.auth.*) cannot exist, and rules that use them fail closed.
/// </summary>
internal readonly struct ConnectionAttributes(IPEndPoint? remote, IPEndPoint? local, string? serverName) : IAuthorizationAttributes
{
    public bool Has(AuthorizationAttribute attribute) => attribute is AuthorizationAttribute.Principal or AuthorizationAttribute.Namespace
        or AuthorizationAttribute.TrustDomain or AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp
        or AuthorizationAttribute.DestinationIp or AuthorizationAttribute.DestinationPort or AuthorizationAttribute.Sni;

    public bool AnyValue(AuthorizationMatchModel match) => match.Attribute switch
    {
        AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp => HttpRequestAttributes.Address(remote?.Address) is { } source && match.AnyNetwork(source),
        AuthorizationAttribute.DestinationIp => HttpRequestAttributes.Address(local?.Address) is { } destination && match.AnyNetwork(destination),
        AuthorizationAttribute.DestinationPort => local is not null && match.AnyPort(local.Port),
        AuthorizationAttribute.Sni => serverName is { Length: > 0 } && match.AnyPattern(serverName),
        _ => false,
    };
}
