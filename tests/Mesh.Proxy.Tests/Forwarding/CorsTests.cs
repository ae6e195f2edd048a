using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>A route's CORS policy on the real proxy, as Envoy's CORS filter: preflights answered here, headers added to actual responses.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task Preflight_AllowedOrigin_AnsweredByTheProxyWithThePolicy()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var response = await client.SendAsync(Preflight("https://app.example.com", "POST", "x-token"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://app.example.com", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("GET,POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("x-token,content-type", Header(response, "Access-Control-Allow-Headers"));
        Assert.Equal("86400", Header(response, "Access-Control-Max-Age"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Preflight_WildcardMethodsAndHeaders_EchoTheRequestedOnes()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var policy = Policy();
        policy.AllowMethods = "*";
        policy.AllowHeaders = "*";
        var (proxy, client) = await StartAsync(upstream, policy);
        await using var owned = proxy;

        using var response = await client.SendAsync(Preflight("https://app.example.com", "PATCH", "x-a"));

        Assert.Equal("PATCH", Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal("x-a", Header(response, "Access-Control-Allow-Headers"));
    }

    [Fact]
    public async Task Get_AllowedOrigin_BackendResponseCarriesAllowOriginCredentialsAndExposeHeaders()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Origin", "https://dev.example.org");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://dev.example.org", Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(response, "Access-Control-Allow-Credentials"));
        Assert.Equal("x-trace", Header(response, "Access-Control-Expose-Headers"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Get_OriginNotAllowed_ForwardedWithoutCorsHeaders()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Origin", "https://evil.example.net");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Expose-Headers"));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Preflight_OriginNotAllowedWithForward_GoesToTheBackend()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var response = await client.SendAsync(Preflight("https://evil.example.net", "POST", null));

        Assert.StartsWith("OPTIONS /\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Preflight_OriginNotAllowedWithIgnore_AnsweredHereWithoutAllowOrigin()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var policy = Policy();
        policy.ForwardNotMatchingPreflights = false;
        var (proxy, client) = await StartAsync(upstream, policy);
        await using var owned = proxy;

        using var response = await client.SendAsync(Preflight("https://evil.example.net", "POST", null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Options_WithoutRequestMethod_IsNotAPreflightAndIsForwarded()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Options, "/");
        request.Headers.Add("Origin", "https://app.example.com");
        using var response = await client.SendAsync(request);

        Assert.Equal(1, upstream.Requests);
        Assert.Equal("https://app.example.com", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Get_AllowedOriginAndUpstreamRefuses_TheProxys503CarriesAllowOrigin()
    {
        var (proxy, client) = await StartAsync(FreePort.Next(), Policy());
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Origin", "https://app.example.com");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("https://app.example.com", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Get_NoOrigin_ResponseUntouched()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, Policy());
        await using var owned = proxy;

        using var response = await client.GetAsync("/");

        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal(1, upstream.Requests);
    }

    /// <summary>An exact, a prefix and a regex origin; Istio's joined lists.</summary>
    private static CorsPolicy Policy()
    {
        var policy = new CorsPolicy
        {
            AllowMethods = "GET,POST",
            AllowHeaders = "x-token,content-type",
            ExposeHeaders = "x-trace",
            MaxAge = "86400",
            AllowCredentials = true,
            ForwardNotMatchingPreflights = true,
        };
        policy.AllowOrigins.Add(Exact("https://app.example.com"));
        policy.AllowOrigins.Add(Prefix("https://dev."));
        policy.AllowOrigins.Add(Regex(@"https://.*\.example\.io"));
        return policy;
    }

    private static HttpRequestMessage Preflight(string origin, string method, string? headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    private static Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, CorsPolicy cors) => StartAsync(upstream.Port, cors);

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(int upstreamPort, CorsPolicy cors)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstreamPort)],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { Cors = cors }, null, "default", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }
}
