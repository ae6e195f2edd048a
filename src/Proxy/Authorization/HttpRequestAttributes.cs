using System.Net;
using System.Text.Json;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authentication;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Mesh.Proxy.Authorization;

/// <summary>
/// An HTTP request's attributes, read where they already are: the peer's mTLS identity, the connection's addresses
/// and SNI, the request line and headers, the verified JWT. Nothing is allocated except to read a JWT claim.
/// </summary>
internal readonly struct HttpRequestAttributes(HttpContext context, VerifiedJwt? jwt) : IAuthorizationAttributes
{
    private const string SpiffePrefix = "spiffe://";

    public bool Has(AuthorizationAttribute attribute) => true;

    public bool AnyValue(AuthorizationMatchModel match) => match.Attribute switch
    {
        AuthorizationAttribute.Principal => Principal(context) is { IsEmpty: false } principal && match.AnyPattern(principal.Span),
        AuthorizationAttribute.Namespace => Namespace(Principal(context)) is { IsEmpty: false } ns && match.AnyPattern(ns.Span),
        AuthorizationAttribute.TrustDomain => TrustDomain(Principal(context)) is { IsEmpty: false } domain && match.AnyPattern(domain.Span),
        // remote.ip is the peer's address: Istio's default numTrustedProxies of 0 (see docs/security.md).
        AuthorizationAttribute.SourceIp or AuthorizationAttribute.RemoteIp => Address(context.Connection.RemoteIpAddress) is { } source && match.AnyNetwork(source),
        AuthorizationAttribute.DestinationIp => Address(context.Connection.LocalIpAddress) is { } destination && match.AnyNetwork(destination),
        AuthorizationAttribute.DestinationPort => match.AnyPort(context.Connection.LocalPort),
        AuthorizationAttribute.RequestPrincipal => jwt is not null && match.AnyPattern(jwt.Principal),
        AuthorizationAttribute.Host => AnyHost(match, context.Request.Host.Value),
        AuthorizationAttribute.Method => match.AnyPattern(context.Request.Method),
        AuthorizationAttribute.Path => match.AnyPattern(context.Request.Path.Value),
        AuthorizationAttribute.Header => AnyOf(match, context.Request.Headers[match.Key[0]]),
        AuthorizationAttribute.Sni => context.Features.Get<ITlsHandshakeFeature>()?.HostName is { Length: > 0 } sni && match.AnyPattern(sni),
        AuthorizationAttribute.Audience => jwt is not null && AnyOf(match, jwt.Audiences),
        AuthorizationAttribute.Presenter => jwt?.Presenter is { } presenter && match.AnyPattern(presenter),
        AuthorizationAttribute.Claim => jwt is not null && AnyClaim(match, jwt.Payload),
        _ => false,
    };

    private static ReadOnlyMemory<char> Principal(HttpContext context) => Principal(context.Features.Get<PeerIdentityFeature>()?.SpiffeId);

    /// <summary>The verified peer identity without <c>spiffe://</c> (Istio's principal form); empty on plaintext.</summary>
    public static ReadOnlyMemory<char> Principal(string? spiffeId) =>
        spiffeId is not null && spiffeId.StartsWith(SpiffePrefix, StringComparison.Ordinal)
            ? spiffeId.AsMemory(SpiffePrefix.Length)
            : ReadOnlyMemory<char>.Empty;

    /// <summary>The <c>&lt;ns&gt;</c> of <c>&lt;trust domain&gt;/ns/&lt;ns&gt;/sa/&lt;account&gt;</c>.</summary>
    public static ReadOnlyMemory<char> Namespace(ReadOnlyMemory<char> principal)
    {
        var start = principal.Span.IndexOf("/ns/", StringComparison.Ordinal);
        if (start < 0) return ReadOnlyMemory<char>.Empty;
        var rest = principal[(start + 4)..];
        var end = rest.Span.IndexOf('/');
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>The <c>&lt;trust domain&gt;</c> of <c>&lt;trust domain&gt;/ns/&lt;ns&gt;/sa/&lt;account&gt;</c>.</summary>
    public static ReadOnlyMemory<char> TrustDomain(ReadOnlyMemory<char> principal)
    {
        var slash = principal.Span.IndexOf('/');
        return slash < 0 ? principal : principal[..slash];
    }

    public static IPAddress? Address(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    /// <summary>A pattern without a port matches the host whatever the request's port; one with a port, the whole authority.</summary>
    private static bool AnyHost(AuthorizationMatchModel match, string? authority)
    {
        if (string.IsNullOrEmpty(authority)) return false;
        if (match.AnyPattern(authority)) return true;
        var colon = authority.LastIndexOf(':');
        return colon > 0 && authority.IndexOf(']', colon) < 0 && match.AnyPattern(authority.AsSpan(0, colon));
    }

    private static bool AnyOf(AuthorizationMatchModel match, StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && match.AnyPattern(value)) return true;
        }
        return false;
    }

    private static bool AnyOf(AuthorizationMatchModel match, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (match.AnyPattern(values[i])) return true;
        }
        return false;
    }

    /// <summary>A string claim, or any string of a list claim, at the key's path (nested objects for [a][b]).</summary>
    private static bool AnyClaim(AuthorizationMatchModel match, JsonElement payload)
    {
        var claim = payload;
        foreach (var name in match.Key)
        {
            if (claim.ValueKind != JsonValueKind.Object || !claim.TryGetProperty(name, out claim)) return false;
        }

        if (claim.ValueKind == JsonValueKind.String) return match.AnyPattern(claim.GetString());
        if (claim.ValueKind != JsonValueKind.Array) return false;
        foreach (var item in claim.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && match.AnyPattern(item.GetString())) return true;
        }
        return false;
    }
}
