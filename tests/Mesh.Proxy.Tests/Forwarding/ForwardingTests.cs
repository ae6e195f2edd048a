using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;
using Route = Mesh.Contracts.Discovery.Route;

namespace Mesh.Proxy.Tests.Forwarding;

public sealed class ForwardingTests
{
    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, params Route[] routes)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend"), Cluster("empty")],
            [Endpoints("backend", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("backend:9080", ["backend:9080", "*"], routes)));
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Host = "backend:9080";
        return (proxy, client);
    }

    [Fact]
    public async Task Forward_MatchingRoute_ReachesUpstreamWithHostAndRequestId()
    {
        string? requestId = null;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            requestId = context.Request.Headers["x-request-id"];
            return UpstreamServer.Echo(context);
        });
        var (proxy, client) = await StartAsync(upstream, ToCluster("backend"));
        await using var owned = proxy;

        var response = await client.GetAsync("/hello?x=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("GET /hello?x=1", body);
        Assert.Contains("host=backend:9080", body);
        Assert.True(Guid.TryParse(requestId, out _));
        Assert.Equal("1", response.Headers.GetValues("x-envoy-attempt-count").Single());
    }

    [Fact]
    public async Task Forward_InboundStyleHostWithoutAttemptCount_PassesTheCallersAttemptCountOn()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var port = FreePort.Next();
        var inbound = Host("inbound|http|80", ["*"], ToCluster("backend"));
        inbound.IncludeRequestAttemptCount = false;
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("inbound", port, "inbound"), Routes("inbound", inbound));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("x-envoy-attempt-count", "3");

        var response = await client.GetAsync("/");

        Assert.Contains("attempt=3", await response.Content.ReadAsStringAsync());
        Assert.False(response.Headers.Contains("x-envoy-attempt-count"));
    }

    [Fact]
    public async Task Forward_HeaderOperationsAndRewrites_AppliedToRequestAndResponse()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            context.Response.Headers["x-internal"] = "secret";
            context.Response.Headers["x-seen-added"] = context.Request.Headers["x-added"].ToString();
            context.Response.Headers["x-seen-removed"] = context.Request.Headers["x-remove-me"].ToString();
            await UpstreamServer.Echo(context);
        });
        var action = new RouteAction { PrefixRewrite = "/v2/", HostRewrite = "internal.backend" };
        var route = Forward(action, new RouteMatch { Path = Prefix("/api/") }, "rewrite", ("backend", 100));
        route.RequestHeaders = new HeaderOperations { Set = { ["x-added"] = "yes" }, Remove = { "x-remove-me" } };
        route.ResponseHeaders = new HeaderOperations { Remove = { "x-internal" }, Add = { ["x-served-by"] = "mesh" } };
        var regex = Forward(
            new RouteAction { RegexRewrite = new RegexRewrite { Pattern = "^/items/([0-9]+)$", Substitution = "/catalog/\\1" } },
            new RouteMatch { Path = Prefix("/items/") },
            "regex",
            ("backend", 100));
        var (proxy, client) = await StartAsync(upstream, route, regex);
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/users?id=3");
        request.Headers.Add("x-remove-me", "please");
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("GET /v2/users?id=3", body);
        Assert.Contains("host=internal.backend", body);
        Assert.Equal("yes", response.Headers.GetValues("x-seen-added").Single());
        Assert.Equal(string.Empty, response.Headers.GetValues("x-seen-removed").Single());
        Assert.False(response.Headers.Contains("x-internal"));
        Assert.Equal("mesh", response.Headers.GetValues("x-served-by").Single());
        Assert.Contains("GET /catalog/42", await client.GetStringAsync("/items/42"));
    }

    [Fact]
    public async Task Redirect_AndDirectResponse_AnsweredByTheProxy()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var redirect = new Route { Name = "moved", Match = new RouteMatch { Path = Prefix("/old") }, Redirect = new RedirectAction { PathRedirect = "/new", HostRedirect = "example.com" } };
        var direct = new Route { Name = "teapot", Match = new RouteMatch { Path = Exact("/tea") }, DirectResponse = new DirectResponseAction { Status = 418, Body = "short and stout" } };
        var (proxy, client) = await StartAsync(upstream, redirect, direct);
        await using var owned = proxy;

        var moved = await client.GetAsync("/old?q=1");
        var teapot = await client.GetAsync("/tea");

        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.Equal("http://example.com/new?q=1", moved.Headers.Location!.ToString());
        Assert.Equal(418, (int)teapot.StatusCode);
        Assert.Equal("short and stout", await teapot.Content.ReadAsStringAsync());
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Forward_NoRouteNoEndpointsUnknownCluster_LocalReplies()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(
            upstream,
            ToCluster("empty", new RouteMatch { Path = Prefix("/empty") }),
            ToCluster("missing", new RouteMatch { Path = Prefix("/missing") }),
            ToCluster("backend", new RouteMatch { Path = Prefix("/known") }));
        await using var owned = proxy;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/nothing")).StatusCode);
        var empty = await client.GetAsync("/empty");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, empty.StatusCode);
        Assert.Equal("no healthy upstream", await empty.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/missing")).StatusCode);
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Forward_UpstreamFailsEveryOtherRequest_RetriesHideTheFailures()
    {
        var count = 0;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            if (Interlocked.Increment(ref count) % 2 == 1)
            {
                context.Response.StatusCode = 503;
                return context.Response.WriteAsync("failed attempt");
            }

            return UpstreamServer.Echo(context);
        });
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 3, RetryOn = { "5xx" } } };
        var (proxy, client) = await StartAsync(upstream, Forward(action, null, "retry", ("backend", 100)));
        await using var owned = proxy;

        for (var i = 0; i < 5; i++)
        {
            var response = await client.PostAsync("/work", new StringContent("payload"));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.DoesNotContain("failed attempt", body);
            Assert.Contains("attempt=2", body);
            Assert.Equal("2", response.Headers.GetValues("x-envoy-attempt-count").Single());
        }
    }

    [Fact]
    public async Task Forward_RetriesExhausted_LastResponseReachesClient()
    {
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 2, RetryOn = { "gateway-error" } } };
        var (proxy, client) = await StartAsync(upstream, Forward(action, null, "retry", ("backend", 100)));
        await using var owned = proxy;

        var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("3", response.Headers.GetValues("x-envoy-attempt-count").Single());
        Assert.Equal(3, upstream.Requests);
    }

    [Fact]
    public async Task Forward_PerTryTimeout_RetriesOnAnotherAttempt()
    {
        var count = 0;
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref count) == 1)
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }

            await UpstreamServer.Echo(context);
        });
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 1, PerTryTimeoutMs = 200, RetryOn = { "gateway-error" } } };
        var (proxy, client) = await StartAsync(upstream, Forward(action, null, "per-try", ("backend", 100)));
        await using var owned = proxy;

        var response = await client.GetAsync("/slow-once");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("attempt=2", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_OverallTimeout_Answers504()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }));
        var action = new RouteAction { TimeoutMs = 200 };
        var (proxy, client) = await StartAsync(upstream, Forward(action, null, "timeout", ("backend", 100)));
        await using var owned = proxy;

        var response = await client.GetAsync("/hang");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream request timeout", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Forward_UpstreamRefusesConnections_503AfterRetries()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var port = FreePort.Next();
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 1, RetryOn = { "connect-failure" } } };
        await proxy.ApplyAsync(
            [Cluster("dead")],
            [Endpoints("dead", FreePort.Next())],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], Forward(action, null, "dead", ("dead", 100)))));
        using var client = new HttpClient();

        var response = await client.GetAsync($"http://127.0.0.1:{port}/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("2", response.Headers.GetValues("x-envoy-attempt-count").Single());
    }

    [Fact]
    public async Task Forward_AbsoluteFormThroughHttpProxy_RoutesByTargetAuthority()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("virtualOutbound", port, "outbound"),
            Routes("outbound", Host("backend:9080", ["backend:9080"], ToCluster("backend"))));
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{port}"), UseProxy = true });

        var body = await client.GetStringAsync("http://backend:9080/via-proxy");
        var other = await client.GetAsync("http://frontend:9080/via-proxy");

        Assert.Contains("GET /via-proxy", body);
        Assert.Contains("host=backend:9080", body);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Forward_H2cGrpcStyleRequest_PassesThroughWithTrailers()
    {
        await using var upstream = await UpstreamServer.StartAsync(
            async context =>
            {
                context.Response.ContentType = "application/grpc";
                context.Response.AppendTrailer("grpc-status", "0");
                context.Response.AppendTrailer("grpc-message", context.Request.Protocol);
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
            },
            HttpProtocols.Http2);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("grpc", UpstreamProtocol.Http2)],
            [Endpoints("grpc", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("grpc"))));
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/pkg.Service/Method")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");

        var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal("HTTP/2", response.TrailingHeaders.GetValues("grpc-message").Single());
    }

    [Theory]
    [InlineData("1.1", HttpProtocols.Http1, "HTTP/1.1")]
    [InlineData("2.0", HttpProtocols.Http2, "HTTP/2")]   // gRPC to a port whose protocol is detected: h2c stays h2c
    public async Task Forward_ClusterFollowingTheClient_TheRequestGoesUpstreamAsItCame(string clientVersion, HttpProtocols app, string atTheApp)
    {
        await using var upstream = await UpstreamServer.StartAsync(context => context.Response.WriteAsync(context.Request.Protocol), app);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("detected", UpstreamProtocol.Downstream)],
            [Endpoints("detected", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("detected"))));
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/")
        {
            Version = Version.Parse(clientVersion), VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.SendAsync(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(atTheApp, await response.Content.ReadAsStringAsync());
    }
}
