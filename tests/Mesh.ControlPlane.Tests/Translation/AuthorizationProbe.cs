using System.Net;
using System.Security.Authentication;
using Mesh.Proxy.Authentication;
using Mesh.Proxy.Identity;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>One request as authorization sees it: the peer's identity and addresses, the request line, headers, SNI and JWT.</summary>
internal sealed record AuthorizationProbe
{
    /// <summary>The caller's SPIFFE id; null: a plaintext connection.</summary>
    public string? Peer { get; init; } = "spiffe://cluster.local/ns/default/sa/frontend";
    public string SourceIp { get; init; } = "10.0.0.1";
    public string DestinationIp { get; init; } = "127.0.0.2";
    public string Method { get; init; } = "GET";
    public string Host { get; init; } = "backend.default.svc.cluster.local:9080";
    public string Path { get; init; } = "/";
    public string? QueryString { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public string? Sni { get; init; }
    public VerifiedJwt? Jwt { get; init; }

    public HttpContext ToContext(uint listenerPort)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(SourceIp);
        context.Connection.LocalIpAddress = IPAddress.Parse(DestinationIp);
        context.Connection.LocalPort = (int)listenerPort;
        context.Request.Method = Method;
        context.Request.Host = new HostString(Host);
        context.Request.Path = new PathString(Path);
        if (QueryString is not null) context.Request.QueryString = new QueryString(QueryString);
        foreach (var (name, value) in Headers) context.Request.Headers.Append(name, value);
        if (Peer is not null) context.Features.Set(new PeerIdentityFeature { SpiffeId = Peer });
        if (Sni is not null) context.Features.Set<ITlsHandshakeFeature>(new Handshake(Sni));
        return context;
    }

    public static VerifiedJwt Token(string issuer, string subject, string payloadJson, params string[] audiences) => new()
    {
        Principal = $"{issuer}/{subject}",
        Issuer = issuer,
        Subject = subject,
        Audiences = audiences,
        Presenter = System.Text.Json.JsonDocument.Parse(payloadJson).RootElement.TryGetProperty("azp", out var azp) ? azp.GetString() : null,
        Payload = System.Text.Json.JsonDocument.Parse(payloadJson).RootElement,
    };

    private sealed class Handshake(string hostName) : ITlsHandshakeFeature
    {
        public string HostName => hostName;
        public SslProtocols Protocol => SslProtocols.Tls13;
#pragma warning disable SYSLIB0058 // the obsolete members of the interface still have to be implemented
        public CipherAlgorithmType CipherAlgorithm => CipherAlgorithmType.None;
        public int CipherStrength => 0;
        public HashAlgorithmType HashAlgorithm => HashAlgorithmType.None;
        public int HashStrength => 0;
        public ExchangeAlgorithmType KeyExchangeAlgorithm => ExchangeAlgorithmType.None;
        public int KeyExchangeStrength => 0;
#pragma warning restore SYSLIB0058
    }
}
