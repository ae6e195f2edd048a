using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Envoy's circuit breakers on the real proxy against a backend that answers only when the test lets it: requests
/// beyond the cluster's thresholds are answered 503 with flag UO at once and never reach the backend; the retry
/// breaker passes a retriable answer on instead of retrying.
/// </summary>
public sealed class CircuitBreakerTests
{
    /// <summary>A request the proxy wrongly holds fails the test in seconds, not HttpClient's 100.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(UpstreamProtocol.Http1, 1u, 1u, 0u, 2)]   // max_connections + max_pending_requests
    [InlineData(UpstreamProtocol.Http1, 5u, 5u, 3u, 3)]   // max_requests is the tighter
    [InlineData(UpstreamProtocol.Http2, 1u, 1u, 3u, 3)]   // HTTP/2 multiplexes: only max_requests bounds it
    public async Task Request_BeyondTheThresholds_Answered503UoWithoutReachingTheBackend(
        UpstreamProtocol protocol, uint maxConnections, uint maxPending, uint maxRequests, int admitted)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await UpstreamServer.StartAsync(async context =>
        {
            await release.Task;
            await context.Response.WriteAsync("slow");
        }, protocol == UpstreamProtocol.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1);
        var pool = new ConnectionPool { MaxConnections = maxConnections, MaxPendingRequests = maxPending, MaxRequests = maxRequests };
        var (proxy, client) = await StartAsync(pool, protocol, null, slow.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var inFlight = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < admitted; i++)
        {
            inFlight.Add(client.GetAsync("/"));
        }

        await WaitUntilAsync(() => proxy.Snapshot.Clusters["backend"].State.ActiveRequests == admitted);
        using var overflow = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, overflow.StatusCode);
        Assert.Equal("upstream connect error or disconnect/reset before headers. reset reason: overflow", await overflow.Content.ReadAsStringAsync());
        var metrics = await proxy.Admin.GetStringAsync("/stats/prometheus");
        Assert.Contains("envoy_cluster_upstream_rq_pending_overflow{cluster_name=\"backend\"} 1", metrics);
        var clusters = await proxy.Admin.GetStringAsync("/clusters");
        Assert.Contains("backend::default_priority::remaining_rq::0\n", clusters);

        release.SetResult();
        foreach (var response in await Task.WhenAll(inFlight))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        var recorded = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, admitted + 1);
        Assert.Equal("UO", Exposition.Series(recorded, "istio_requests_total", ("response_code", "503")).Labels["response_flags"]);
        Assert.True(slow.Requests <= admitted, $"the backend got {slow.Requests} requests, more than the {admitted} admitted");
        using var after = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Retry_WhileMaxRetriesAreWaitingOutTheirBackOff_TheRetriableAnswerIsPassedOn()
    {
        await using var flaky = await FailingTwiceAsync();
        // The fake clock holds a retry in its back-off (Envoy counts a retry as active while it waits) until the test moves it.
        var time = new FakeTimeProvider();
        var retry = new RetryPolicy { NumRetries = 2, RetryOn = { "5xx" } };
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxRetries = 1 }, UpstreamProtocol.Http1, retry, flaky.Port, time);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var first = client.GetAsync("/");
        await WaitUntilAsync(() => proxy.Snapshot.Clusters["backend"].State.ActiveRetries == 1);
        using var second = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal("1", second.Headers.GetValues("x-envoy-attempt-count").Single());
        time.Advance(TimeSpan.FromSeconds(1));
        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal("2", firstResponse.Headers.GetValues("x-envoy-attempt-count").Single());
        var metrics = await proxy.Admin.GetStringAsync("/stats/prometheus");
        Assert.Contains("envoy_cluster_upstream_rq_retry_overflow{cluster_name=\"backend\"} 1", metrics);
    }

    [Theory]
    [InlineData(1u, HttpStatusCode.ServiceUnavailable)]   // the floor reached by the first request's retry
    [InlineData(2u, HttpStatusCode.OK)]                   // room for the second's retry too
    public async Task Retry_WithABudget_ItsFloorBoundsTheRetriesWaitingAtOnce(uint minRetryConcurrency, HttpStatusCode second)
    {
        await using var flaky = await FailingTwiceAsync();
        var time = new FakeTimeProvider();
        var retry = new RetryPolicy { NumRetries = 2, RetryOn = { "5xx" } };
        // 10% of a request or two in flight is 0 retries: the floor decides, and max_retries (1 here) is not used.
        var budget = new RetryBudget { Percent = 10, MinRetryConcurrency = minRetryConcurrency };
        var (proxy, client) = await StartAsync(new ConnectionPool { MaxRetries = 1 }, UpstreamProtocol.Http1, retry, flaky.Port, time, budget);
        await using var ownedProxy = proxy;
        using var ownedClient = client;
        var state = proxy.Snapshot.Clusters["backend"].State;

        var first = client.GetAsync("/");
        Task<HttpResponseMessage> secondRequest;
        try
        {
            await WaitUntilAsync(() => state.ActiveRetries == 1);
            secondRequest = client.GetAsync("/");
            if (second == HttpStatusCode.OK)
            {
                await WaitUntilAsync(() => state.ActiveRetries == 2);
            }
            else
            {
                using var refused = await secondRequest;
                Assert.Equal("1", refused.Headers.GetValues("x-envoy-attempt-count").Single());
            }
        }
        finally
        {
            // Releases the retries held in their back-off, whatever happened above, so the proxy can stop.
            time.Advance(TimeSpan.FromSeconds(1));
        }

        using var firstResponse = await first;
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        using var secondResponse = await secondRequest;
        Assert.Equal(second, secondResponse.StatusCode);
    }

    [Fact]
    public async Task Clusters_ShowsTheConfiguredThresholds()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var pool = new ConnectionPool { MaxConnections = 7, MaxPendingRequests = 8, MaxRequests = 9, MaxRetries = 10 };
        var (proxy, client) = await StartAsync(pool, UpstreamProtocol.Http1, null, upstream.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        var clusters = await proxy.Admin.GetStringAsync("/clusters");

        Assert.Contains("backend::default_priority::max_connections::7\n", clusters);
        Assert.Contains("backend::default_priority::max_pending_requests::8\n", clusters);
        Assert.Contains("backend::default_priority::max_requests::9\n", clusters);
        Assert.Contains("backend::default_priority::max_retries::10\n", clusters);
        Assert.Contains($"backend::127.0.0.1:{upstream.Port}::health_flags::healthy\n", clusters);
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(ConnectionPool pool, UpstreamProtocol protocol, RetryPolicy? retry, int port,
        TimeProvider? time = null, RetryBudget? budget = null)
    {
        var cluster = Cluster("backend", protocol);
        cluster.ConnectionPool = pool;
        cluster.RetryBudget = budget;
        var proxy = await TestProxy.StartAsync(time: time);
        var listenerPort = FreePort.Next();
        await proxy.ApplyAsync([cluster], [Endpoints("backend", port)], Listener("outbound", listenerPort, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "default", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{listenerPort}"), Timeout = TestTimeout });
    }

    /// <summary>A backend whose first two requests fail with 503; the rest succeed.</summary>
    private static Task<UpstreamServer> FailingTwiceAsync()
    {
        var answered = 0;
        return UpstreamServer.StartAsync(context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref answered) <= 2 ? 503 : 200;
            return Task.CompletedTask;
        });
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }
}
