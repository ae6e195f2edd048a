using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Outlier detection on the real proxy, against real backends that fail: consecutive errors eject an endpoint, which
/// then gets no traffic and shows <c>/failed_outlier_check</c> at <c>/clusters</c> until its ejection time (base ×
/// times ejected) is up. The proxy's clock is a FakeTimeProvider: the sweep runs when the test moves time.
/// </summary>
public sealed class OutlierDetectionTests
{
    /// <summary>A request the proxy wrongly holds fails the test in seconds, not HttpClient's 100.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan BaseEjectionTime = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Consecutive5xx_EjectsTheEndpointUntilItsEjectionTimeThatGrowsWithEachEjection()
    {
        await using var good = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var bad = await UpstreamServer.StartAsync(Answer(503));
        var time = new FakeTimeProvider();
        var (proxy, client) = await StartAsync(time, new OutlierDetection { Consecutive5Xx = 3 }, good.Port, bad.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        await SendUntilAsync(client, () => bad.Requests == 3);
        await AssertHealthAsync(proxy, bad.Port, "/failed_outlier_check");
        await AssertHealthAsync(proxy, good.Port, "healthy");
        Assert.True(await AllSucceedAsync(client, 20), "an ejected endpoint still got traffic");
        Assert.Equal(3, bad.Requests);

        // First ejection: the base time. The sweep before it is up leaves the endpoint out; the one at it returns it.
        time.Advance(BaseEjectionTime - Interval);
        await AssertHealthAsync(proxy, bad.Port, "/failed_outlier_check");
        time.Advance(Interval);
        await AssertHealthAsync(proxy, bad.Port, "healthy");

        // Failing again at once: the second ejection lasts twice the base time.
        await SendUntilAsync(client, () => bad.Requests == 6);
        await AssertHealthAsync(proxy, bad.Port, "/failed_outlier_check");
        time.Advance(2 * BaseEjectionTime - Interval);
        await AssertHealthAsync(proxy, bad.Port, "/failed_outlier_check");
        Assert.True(await AllSucceedAsync(client, 10), "an ejected endpoint still got traffic");
        time.Advance(Interval);
        await AssertHealthAsync(proxy, bad.Port, "healthy");
        await SendUntilAsync(client, () => bad.Requests == 7);

        var metrics = await proxy.Admin.GetStringAsync("/stats/prometheus");
        Assert.Contains("envoy_cluster_outlier_detection_ejections_enforced_consecutive_5xx{cluster_name=\"backend\"} 2", metrics);
        Assert.Contains("envoy_cluster_outlier_detection_ejections_active{cluster_name=\"backend\"} 0", metrics);
    }

    [Fact]
    public async Task RetriedResponses_StillCountAgainstTheEndpointThatGaveThem()
    {
        await using var good = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var bad = await UpstreamServer.StartAsync(Answer(503));
        // Istio's default retry policy withholds a 503 and retries elsewhere: the client never sees the failures, but
        // outlier detection must. The system clock: the retries' back-off runs on it.
        var retry = new RetryPolicy { NumRetries = 2, RetryOn = { "retriable-status-codes" }, RetriableStatusCodes = { 503 }, IgnorePreviousHosts = true };
        var (proxy, client) = await StartAsync(TimeProvider.System, new OutlierDetection { Consecutive5Xx = 3 }, retry, good.Port, bad.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        for (var i = 0; i < 200 && bad.Requests < 3; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await AssertHealthAsync(proxy, bad.Port, "/failed_outlier_check");
    }

    [Fact]
    public async Task ConnectFailures_CountAs5xxUnlessSplit_AndEjectTheDeadEndpoint()
    {
        await using var good = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var dead = FreePort.Next();
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), new OutlierDetection { Consecutive5Xx = 2 }, good.Port, dead);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        // Round robin: every other request meets the refused connection (503 UF) until the second ejects it.
        var failures = 0;
        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
            if (response.StatusCode != HttpStatusCode.OK) failures++;
        }

        Assert.Equal(2, failures);
        await AssertHealthAsync(proxy, dead, "/failed_outlier_check");
        Assert.True(await AllSucceedAsync(client, 20), "the dead endpoint still got traffic");
    }

    [Fact]
    public async Task SplitLocalOriginErrors_ConnectFailuresEjectByTheirOwnCount()
    {
        await using var good = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var dead = FreePort.Next();
        var detection = new OutlierDetection { Consecutive5Xx = 100, SplitExternalLocalOriginErrors = true, ConsecutiveLocalOriginFailure = 3 };
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), detection, good.Port, dead);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        for (var i = 0; i < 4; i++)
        {
            using var response = await client.GetAsync("/");
        }

        await AssertHealthAsync(proxy, dead, "healthy");
        using (await client.GetAsync("/"))
        using (await client.GetAsync("/"))
        {
        }

        await AssertHealthAsync(proxy, dead, "/failed_outlier_check");
    }

    [Fact]
    public async Task ConsecutiveGatewayErrors_A500EndsTheRun()
    {
        var statuses = new Queue<int>([502, 500, 502, 503]);
        await using var flaky = await UpstreamServer.StartAsync(context =>
        {
            lock (statuses)
            {
                context.Response.StatusCode = statuses.TryDequeue(out var status) ? status : 504;
            }

            return Task.CompletedTask;
        });
        var detection = new OutlierDetection { Consecutive5Xx = 0, ConsecutiveGatewayFailure = 2, MaxEjectionPercent = 100 };
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), detection, flaky.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/");
        }

        // 502, 500 (not a gateway error: the run restarts), 502: one in a row so far.
        await AssertHealthAsync(proxy, flaky.Port, "healthy");
        using (await client.GetAsync("/"))
        {
        }

        await AssertHealthAsync(proxy, flaky.Port, "/failed_outlier_check");
        using var noHealthy = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noHealthy.StatusCode);
        Assert.Equal("no healthy upstream", await noHealthy.Content.ReadAsStringAsync());
        Assert.Equal(4, flaky.Requests);
    }

    [Fact]
    public async Task MaxEjectionPercent_BoundsHowManyEndpointsAreEjected()
    {
        await using var a = await UpstreamServer.StartAsync(Answer(500));
        await using var b = await UpstreamServer.StartAsync(Answer(500));
        await using var c = await UpstreamServer.StartAsync(Answer(500));
        await using var d = await UpstreamServer.StartAsync(Answer(500));
        var detection = new OutlierDetection { Consecutive5Xx = 2, MaxEjectionPercent = 50 };
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), detection, a.Port, b.Port, c.Port, d.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        for (var i = 0; i < 40; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        // Envoy ejects while fewer than 50% are: the first two of four, never a third.
        var clusters = await proxy.Admin.GetStringAsync("/clusters");
        Assert.Equal(2, Count(clusters, "::health_flags::/failed_outlier_check"));
        Assert.Equal(2, Count(clusters, "::health_flags::healthy"));
        var metrics = await proxy.Admin.GetStringAsync("/stats/prometheus");
        Assert.Contains("envoy_cluster_outlier_detection_ejections_active{cluster_name=\"backend\"} 2", metrics);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(50u)]
    public async Task EveryEndpointEjected_NoHealthyUpstreamUnlessInPanic(uint minHealthPercent)
    {
        await using var a = await UpstreamServer.StartAsync(Answer(503));
        await using var b = await UpstreamServer.StartAsync(Answer(503));
        var detection = new OutlierDetection { Consecutive5Xx = 1, MaxEjectionPercent = 100, MinHealthPercent = minHealthPercent };
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), detection, a.Port, b.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;

        await SendUntilAsync(client, () => a.Requests == 1 && b.Requests == 1);
        await AssertHealthAsync(proxy, a.Port, "/failed_outlier_check");
        await AssertHealthAsync(proxy, b.Port, "/failed_outlier_check");

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        if (minHealthPercent == 0)
        {
            // Istio's default: no panic threshold, so no endpoint is left to choose (503 UH).
            Assert.Equal("no healthy upstream", await response.Content.ReadAsStringAsync());
            Assert.Equal(2, a.Requests + b.Requests);
        }
        else
        {
            // Below min_health_percent Envoy panics and balances over every endpoint, ejected or not.
            Assert.Equal(3, a.Requests + b.Requests);
        }
    }

    [Fact]
    public async Task Clusters_ListsThresholdsAndEachEndpointsCounters()
    {
        await using var good = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(new FakeTimeProvider(), new OutlierDetection { Consecutive5Xx = 5 }, good.Port);
        await using var ownedProxy = proxy;
        using var ownedClient = client;
        Assert.True(await AllSucceedAsync(client, 3));

        var clusters = await proxy.Admin.GetStringAsync("/clusters");
        var json = await proxy.Admin.GetStringAsync("/clusters?format=json");

        Assert.Contains("backend::default_priority::max_connections::4294967295\n", clusters);
        Assert.Contains("backend::default_priority::max_retries::4294967295\n", clusters);
        Assert.Contains($"backend::127.0.0.1:{good.Port}::rq_total::3\n", clusters);
        Assert.Contains($"backend::127.0.0.1:{good.Port}::rq_error::0\n", clusters);
        Assert.Contains($"backend::127.0.0.1:{good.Port}::rq_active::0\n", clusters);
        Assert.Contains("\"failed_outlier_check\": false", json);
    }

    private static RequestDelegate Answer(int status) => context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    private static Task<(TestProxy Proxy, HttpClient Client)> StartAsync(FakeTimeProvider time, OutlierDetection detection, params int[] ports) =>
        StartAsync(time, detection, null, ports);

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(TimeProvider time, OutlierDetection detection, RetryPolicy? retry, params int[] ports)
    {
        detection.IntervalMs = (uint)Interval.TotalMilliseconds;
        detection.BaseEjectionTimeMs = (uint)BaseEjectionTime.TotalMilliseconds;
        detection.MaxEjectionTimeMs = 300_000;
        if (detection.MaxEjectionPercent == 0) detection.MaxEjectionPercent = 10;
        var cluster = Cluster("backend");
        cluster.OutlierDetection = detection;
        var proxy = await TestProxy.StartAsync(time: time);
        var port = FreePort.Next();
        await proxy.ApplyAsync([cluster], [Endpoints("backend", ports)], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "default", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TestTimeout });
    }

    /// <summary>Sends requests, whatever they answer, until the condition holds; a bounded number, so a broken proxy fails the test.</summary>
    private static async Task SendUntilAsync(HttpClient client, Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            using var response = await client.GetAsync("/");
        }

        Assert.True(condition(), "the upstreams never received the requests expected");
    }

    private static async Task<bool> AllSucceedAsync(HttpClient client, int requests)
    {
        var succeeded = true;
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/");
            succeeded &= response.StatusCode == HttpStatusCode.OK;
        }

        return succeeded;
    }

    /// <summary>
    /// Reads /clusters until the endpoint shows the flags: a result reaches outlier detection just after the client
    /// has its response, so an ejection can trail the request that caused it by a moment.
    /// </summary>
    private static async Task AssertHealthAsync(TestProxy proxy, int port, string flags)
    {
        var expected = $"backend::127.0.0.1:{port}::health_flags::{flags}\n";
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var clusters = await proxy.Admin.GetStringAsync("/clusters", deadline.Token);
        while (!clusters.Contains(expected, StringComparison.Ordinal) && !deadline.IsCancellationRequested)
        {
            await Task.Yield();
            clusters = await proxy.Admin.GetStringAsync("/clusters", deadline.Token);
        }

        Assert.Contains(expected, clusters);
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
