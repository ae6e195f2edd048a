using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authentication;
using Mesh.Proxy.Configuration;
using Mesh.Tests.Shared;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Authentication;

/// <summary>The authenticator with time moved by hand: Envoy's 60 s clock skew on exp and nbf, and the request.auth attributes of a verified token.</summary>
public sealed class JwtAuthenticatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(-59, null)]
    [InlineData(-61, "Jwt is expired")]
    public void Authenticate_ExpiredWithinOrPastTheClockSkew_AcceptedOrRefused(int expiresInSeconds, string? refusal)
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        var token = issuer.Token(claims: new Dictionary<string, object> { ["exp"] = Now.AddSeconds(expiresInSeconds).ToUnixTimeSeconds() });

        var status = Authenticate(issuer, token, out _);

        Assert.Equal(refusal, status?.Message);
    }

    [Theory]
    [InlineData(59, null)]
    [InlineData(61, "Jwt not yet valid")]
    public void Authenticate_NotBeforeWithinOrPastTheClockSkew_AcceptedOrRefused(int validInSeconds, string? refusal)
    {
        using var issuer = TestJwtIssuer.EllipticCurve("https://issuer.example.com");
        var token = issuer.Token(now: Now, claims: new Dictionary<string, object> { ["nbf"] = Now.AddSeconds(validInSeconds).ToUnixTimeSeconds() });

        var status = Authenticate(issuer, token, out _);

        Assert.Equal(refusal, status?.Message);
    }

    [Fact]
    public void Authenticate_ValidToken_RequestAuthAttributes()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");
        var token = issuer.Token("alice", Now, new Dictionary<string, object> { ["aud"] = new[] { "a", "b" }, ["azp"] = "web", ["groups"] = new[] { "admins" } });

        var status = Authenticate(issuer, token, out var verified);

        Assert.Null(status);
        Assert.NotNull(verified);
        Assert.Equal("https://issuer.example.com/alice", verified.Principal);
        Assert.Equal("https://issuer.example.com", verified.Issuer);
        Assert.Equal("alice", verified.Subject);
        Assert.Equal(["a", "b"], verified.Audiences);
        Assert.Equal("web", verified.Presenter);
        Assert.Equal("admins", verified.Payload.GetProperty("groups")[0].GetString());
    }

    [Fact]
    public void Authenticate_RefusedToken_EnvoysResponseCodeDetails()
    {
        using var issuer = TestJwtIssuer.Rsa("https://issuer.example.com");

        var status = Authenticate(issuer, issuer.Token(issuer: "https://other.example.com", now: Now), out _);

        Assert.Equal("jwt_authn_access_denied{Jwt_issuer_is_not_configured}", status?.ResponseCodeDetails);
    }

    private static JwtStatus? Authenticate(TestJwtIssuer issuer, string token, out VerifiedJwt? verified)
    {
        var provider = JwtAuthenticationTests.Provider(issuer);
        var model = JwtAuthenticationCompiler.Compile(new JwtAuthentication { Providers = { provider } }, "test");
        var context = new DefaultHttpContext();
        context.Request.Headers.Authorization = "Bearer " + token;
        var time = new FakeTimeProvider(Now);
        return JwtAuthenticator.Authenticate(context.Request, model, out verified, time);
    }
}
