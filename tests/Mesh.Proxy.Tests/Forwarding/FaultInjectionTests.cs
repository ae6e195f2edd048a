using System.Diagnostics;
using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>A route's fault injection on the real proxy: aborts answered without reaching the upstream, delays before it, as Envoy's fault filter.</summary>
public sealed class FaultInjectionTests
{
    [Fact]
    public async Task Request_HttpAbortAt100Percent_AnsweredWithTheStatusFlagFiAndNeverForwarded()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, new FaultInjection { AbortPercent = 100, AbortHttpStatus = 500 });
        await using var owned = proxy;

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("fault filter abort", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, upstream.Requests);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal("FI", Exposition.Series(metrics, "istio_requests_total", ("response_code", "500")).Labels["response_flags"]);
    }

    [Fact]
    public async Task Request_GrpcAbort_TrailersOnlyWithTheGrpcStatus()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, new FaultInjection { AbortPercent = 100, AbortGrpc = true, AbortGrpcStatus = 14 });
        await using var owned = proxy;

        using var response = await client.PostAsync("/pkg.Service/Method", new ByteArrayContent([0, 0, 0, 0, 0]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("14", response.Headers.GetValues("grpc-status").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(0, upstream.Requests);
    }

    [Fact]
    public async Task Request_DelayAt100Percent_ForwardedNoSoonerThanTheDelayWithFlagDi()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, new FaultInjection { DelayMs = 300, DelayPercent = 100 });
        await using var owned = proxy;

        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/");
        watch.Stop();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 300, $"answered after {watch.ElapsedMilliseconds} ms, before the 300 ms delay");
        Assert.Equal(1, upstream.Requests);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal("DI", Exposition.Series(metrics, "istio_requests_total", ("response_code", "200")).Labels["response_flags"]);
    }

    [Fact]
    public async Task Request_AbortAt0Percent_Forwarded()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, new FaultInjection { AbortPercent = 0, AbortHttpStatus = 500, DelayMs = 60_000, DelayPercent = 0 });
        await using var owned = proxy;

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(20, upstream.Requests);
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, FaultInjection fault)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { Fault = fault }, null, "default", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }
}
