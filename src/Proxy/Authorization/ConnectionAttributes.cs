using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Authorization;

/// <summary>
/// A connection's attributes, for Envoy's network RBAC filter: its addresses and ports, the SNI of its TLS handshake,
/// and the peer's verified SPIFFE id when this proxy terminated mTLS (none for TLS passthrough, nor on plaintext:
/// principals, namespaces and trust domains then match no value). The HTTP-only attributes (hosts, methods, paths,
/// headers, request.auth.*) cannot exist, and rules that use them fail closed.
/// </summary>
/// <param name="local">The destination: the original destination of a captured connection, else the listener's socket.</param>
/// <param name="peerSpiffeId">The verified peer identity (<c>spiffe://...</c>); null when there is none.</param>
internal readonly struct ConnectionAttributes(IPEndPoint? remote, IPEndPoint? local, string? serverName, string? peerSpiffeId = null) : IAuthorizationAttributes
{
    public bool Has(AuthorizationAttribute attribute) => attribute is AuthorizationAttribute.Principal or AuthorizationAttribute.Namespace
        or AuthorizationAttribute.TrustDomain or AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp
        or AuthorizationAttribute.DestinationIp or AuthorizationAttribute.DestinationPort or AuthorizationAttribute.Sni;

    public bool AnyValue(AuthorizationMatchModel match) => match.Attribute switch
    {
        AuthorizationAttribute.Principal => HttpRequestAttributes.Principal(peerSpiffeId) is { IsEmpty: false } principal && match.AnyPattern(principal.Span),
        AuthorizationAttribute.Namespace => HttpRequestAttributes.Namespace(HttpRequestAttributes.Principal(peerSpiffeId)) is { IsEmpty: false } ns && match.AnyPattern(ns.Span),
        AuthorizationAttribute.TrustDomain => HttpRequestAttributes.TrustDomain(HttpRequestAttributes.Principal(peerSpiffeId)) is { IsEmpty: false } domain && match.AnyPattern(domain.Span),
        AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp => HttpRequestAttributes.Address(remote?.Address) is { } source && match.AnyNetwork(source),
        AuthorizationAttribute.DestinationIp => HttpRequestAttributes.Address(local?.Address) is { } destination && match.AnyNetwork(destination),
        AuthorizationAttribute.DestinationPort => local is not null && match.AnyPort(local.Port),
        AuthorizationAttribute.Sni => serverName is { Length: > 0 } && match.AnyPattern(serverName),
        _ => false,
    };
}
