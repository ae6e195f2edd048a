using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Tests.Shared;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Authentication;

/// <summary>
/// RequestAuthentication on the real proxy: tokens signed in the test (RSA and EC) verified before routing, Envoy's
/// 401 replies for invalid ones, no token passing, and what a verified token changes in the request forwarded.
/// </summary>
public sealed class JwtAuthenticationTests
{
    private const string Issuer = "https://issuer.example.com";

    [Fact]
    public async Task Request_ValidRsaToken_ForwardedWithoutTheTokenByDefault()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var (proxy, client) = await StartAsync(upstream, Provider(issuer));
        await using var owned = proxy;

        using var response = await SendAsync(client, "/", bearer: issuer.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("authorization=", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_ValidEcToken_Forwarded()
    {
        using var issuer = TestJwtIssuer.EllipticCurve(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var (proxy, client) = await StartAsync(upstream, Provider(issuer));
        await using var owned = proxy;

        using var response = await SendAsync(client, "/", bearer: issuer.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Request_NoToken_Forwarded()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var (proxy, client) = await StartAsync(upstream, Provider(issuer));
        await using var owned = proxy;

        using var response = await SendAsync(client, "/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_ForgedSignature_401WithEnvoysBodyAndChallengeNeverForwarded()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        using var forger = TestJwtIssuer.Rsa(Issuer, issuer.KeyId);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var (proxy, client) = await StartAsync(upstream, Provider(issuer));
        await using var owned = proxy;

        using var response = await SendAsync(client, "/orders?id=1", bearer: forger.Token());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Jwt verification fails", await response.Content.ReadAsStringAsync());
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal($"realm=\"http://{client.BaseAddress!.Authority}/orders\", error=\"invalid_token\"", challenge.Parameter);
        Assert.Equal(0, upstream.Requests);
    }

    [Theory]
    [InlineData("wrong-issuer", "Jwt issuer is not configured", 401)]
    [InlineData("wrong-audience", "Audiences in Jwt are not allowed", 403)]
    [InlineData("expired", "Jwt is expired", 401)]
    [InlineData("not-yet-valid", "Jwt not yet valid", 401)]
    [InlineData("malformed", "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", 401)]
    [InlineData("unknown-kid", "Jwks doesn't have key to match kid or alg from Jwt", 401)]
    public async Task Request_InvalidToken_RefusedAsEnvoyDoes(string kind, string body, int status)
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        using var otherKey = TestJwtIssuer.Rsa(Issuer, "another-key");
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var provider = Provider(issuer);
        provider.Audiences.Add("orders.example.com");
        var (proxy, client) = await StartAsync(upstream, provider);
        await using var owned = proxy;
        var now = DateTimeOffset.UtcNow;
        var audience = new Dictionary<string, object> { ["aud"] = "orders.example.com" };
        var token = kind switch
        {
            "wrong-issuer" => issuer.Token(issuer: "https://other.example.com", claims: audience),
            "wrong-audience" => issuer.Token(claims: new Dictionary<string, object> { ["aud"] = new[] { "billing.example.com" } }),
            // Past Envoy's 60 s of clock skew on either side.
            "expired" => issuer.Token(now: now.AddHours(-1).AddMinutes(-2), claims: audience),
            "not-yet-valid" => issuer.Token(claims: new Dictionary<string, object> { ["aud"] = "orders.example.com", ["nbf"] = now.AddMinutes(10).ToUnixTimeSeconds() }),
            "malformed" => "not-a-token",
            _ => otherKey.Token(claims: audience),
        };

        using var response = await SendAsync(client, "/", bearer: token);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Request_AudienceWithSchemeAndSlash_MatchesAsEnvoyNormalizesIt()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var provider = Provider(issuer);
        provider.Audiences.Add("orders.example.com");
        var (proxy, client) = await StartAsync(upstream, provider);
        await using var owned = proxy;

        using var response = await SendAsync(client, "/", bearer: issuer.Token(claims: new Dictionary<string, object> { ["aud"] = "https://orders.example.com/" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_TokenInCustomHeaderParamOrCookie_ExtractedFromEachConfiguredLocation()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        using var forger = TestJwtIssuer.Rsa(Issuer, issuer.KeyId);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var provider = Provider(issuer, defaults: false);
        provider.FromHeaders.Add(new JwtHeaderLocation { Name = "x-jwt-assertion", Prefix = "" });
        provider.FromParams.Add("token");
        provider.FromCookies.Add("session");
        var (proxy, client) = await StartAsync(upstream, provider);
        await using var owned = proxy;

        foreach (var (token, expected) in new[] { (issuer.Token(), HttpStatusCode.OK), (forger.Token(), HttpStatusCode.Unauthorized) })
        {
            using var header = await SendAsync(client, "/", headers: [("x-jwt-assertion", token)]);
            using var param = await SendAsync(client, "/?token=" + token);
            using var cookie = await SendAsync(client, "/", headers: [("cookie", "theme=dark; session=" + token)]);
            Assert.Equal(expected, header.StatusCode);
            Assert.Equal(expected, param.StatusCode);
            Assert.Equal(expected, cookie.StatusCode);
        }

        // The default Authorization header is not a location of this rule: its token is not looked at.
        using var bearer = await SendAsync(client, "/", bearer: forger.Token());
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task Request_ForwardOriginalTokenAndOutputs_TokenKeptPayloadAndClaimsForwarded()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var provider = Provider(issuer);
        provider.ForwardOriginalToken = true;
        provider.OutputPayloadToHeader = "x-jwt-payload";
        provider.OutputClaimToHeaders.Add(new JwtClaimToHeader { Header = "x-jwt-group", Claim = "group" });
        provider.OutputClaimToHeaders.Add(new JwtClaimToHeader { Header = "x-jwt-level", Claim = "level" });
        var (proxy, client) = await StartAsync(upstream, provider);
        await using var owned = proxy;
        var token = issuer.Token(claims: new Dictionary<string, object> { ["group"] = "admins", ["level"] = 3 });

        // A client's own copy of an output header never reaches the backend.
        using var response = await SendAsync(client, "/", bearer: token, headers: [("x-jwt-group", "forged")]);
        using var anonymous = await SendAsync(client, "/", headers: [("x-jwt-payload", "forged")]);

        var echoed = await response.Content.ReadAsStringAsync();
        Assert.Contains($"authorization=Bearer {token}\n", echoed, StringComparison.Ordinal);
        Assert.Contains($"x-jwt-payload={token.Split('.')[1]}\n", echoed, StringComparison.Ordinal);
        Assert.Contains("x-jwt-group=admins\n", echoed, StringComparison.Ordinal);
        Assert.Contains("x-jwt-level=3\n", echoed, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", echoed, StringComparison.Ordinal);
        Assert.DoesNotContain("x-jwt-payload", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_TwoIssuers_EachTokenVerifiedByItsOwnIssuersKeys()
    {
        using var first = TestJwtIssuer.Rsa(Issuer);
        using var second = TestJwtIssuer.EllipticCurve("https://second.example.com");
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var (proxy, client) = await StartAsync(upstream, Provider(first), Provider(second));
        await using var owned = proxy;

        using var fromFirst = await SendAsync(client, "/", bearer: first.Token());
        using var fromSecond = await SendAsync(client, "/", bearer: second.Token());
        // Signed by the first issuer's key, claiming the second: the second's keys do not verify it.
        using var crossed = await SendAsync(client, "/", bearer: first.Token(issuer: second.Issuer));

        Assert.Equal(HttpStatusCode.OK, fromFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fromSecond.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
    }

    [Fact]
    public async Task Request_FailClosedKeySet_EveryTokenOfTheIssuerRefused()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        await using var upstream = await UpstreamServer.StartAsync(EchoHeaders);
        var provider = Provider(issuer);
        provider.Jwks = """{"keys":[]}""";
        var (proxy, client) = await StartAsync(upstream, provider);
        await using var owned = proxy;

        using var response = await SendAsync(client, "/", bearer: issuer.Token());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Apply_UnparseableKeySet_Rejected()
    {
        await using var proxy = await TestProxy.StartAsync();
        var listener = Listener("inbound", FreePort.Next(), "inbound");
        listener.JwtAuthentication = new JwtAuthentication { Providers = { new JwtProvider { Issuer = Issuer, Jwks = "not json", Origin = "default/jwt jwtRules[0]" } } };

        var answer = await proxy.Stream.PushAsync(Response(TypeUrls.Listener, "1", listener));

        Assert.Contains("jwt_authentication.providers[0] (default/jwt jwtRules[0]).jwks", answer.ErrorDetail?.Message, StringComparison.Ordinal);
    }

    internal static JwtProvider Provider(TestJwtIssuer issuer, bool defaults = true)
    {
        var provider = new JwtProvider { Issuer = issuer.Issuer, Jwks = issuer.Jwks(), Origin = "default/jwt jwtRules[0]" };
        if (defaults)
        {
            provider.FromHeaders.Add(new JwtHeaderLocation { Name = "Authorization", Prefix = "Bearer " });
            provider.FromParams.Add("access_token");
        }
        return provider;
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, params JwtProvider[] providers)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener("inbound", port, "inbound");
        listener.JwtAuthentication = new JwtAuthentication { Providers = { providers } };
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            listener,
            Routes("inbound", Host("backend", ["*"], ToCluster("backend"))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? bearer = null, (string Name, string Value)[]? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request);
    }

    /// <summary>Answers with every request header as "name=value" lines (lower-case names).</summary>
    private static Task EchoHeaders(HttpContext context)
    {
        var text = new StringBuilder();
        foreach (var (name, values) in context.Request.Headers) text.Append(name.ToLowerInvariant()).Append('=').Append(values.ToString()).Append('\n');
        return context.Response.WriteAsync(text.ToString());
    }
}
