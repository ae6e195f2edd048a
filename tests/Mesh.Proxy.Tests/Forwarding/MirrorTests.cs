using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>Request mirroring on the real proxy: copies reach the mirror with the "-shadow" authority, and never hold up nor fail the original.</summary>
public sealed class MirrorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("reviews", "reviews-shadow")]
    [InlineData("reviews.default.svc.cluster.local:9080", "reviews.default.svc.cluster.local-shadow:9080")]
    [InlineData("[::1]:8080", "[::1]-shadow:8080")]
    [InlineData("[::1]", "[::1]-shadow")]
    public void ShadowAuthority_SuffixBeforeThePort(string authority, string expected) => Assert.Equal(expected, RequestMirror.ShadowAuthority(authority));

    [Fact]
    public async Task Post_MirroredAt100Percent_MirrorGetsTheCopyWithShadowAuthorityAndBody()
    {
        var received = new TaskCompletionSource<(string Host, string Line, string Body, string Header)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var mirror = await UpstreamServer.StartAsync(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            received.TrySetResult((context.Request.Host.Value!, $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}", body,
                context.Request.Headers["x-user"].ToString()));
        });
        var (proxy, client) = await StartAsync(upstream, mirror.Port, new MirrorPolicy { Cluster = "mirror", Percent = 100 });
        await using var owned = proxy;

        using var request = new HttpRequestMessage(HttpMethod.Post, "/reviews/1?x=1") { Content = new StringContent("hello mirror") };
        request.Headers.Host = "reviews:9080";
        request.Headers.Add("x-user", "jason");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("host=reviews:9080", await response.Content.ReadAsStringAsync());
        var copy = await received.Task.WaitAsync(Deadline);
        Assert.Equal("reviews-shadow:9080", copy.Host);
        Assert.Equal("POST /reviews/1?x=1", copy.Line);
        Assert.Equal("hello mirror", copy.Body);
        Assert.Equal("jason", copy.Header);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Get_MirrorTargetHangs_OriginalAnsweredWhileTheCopyIsStillPending()
    {
        var copyArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var mirror = await UpstreamServer.StartAsync(async context =>
        {
            copyArrived.TrySetResult();
            await release.Task;
        });
        var (proxy, client) = await StartAsync(upstream, mirror.Port, new MirrorPolicy { Cluster = "mirror", Percent = 100 });
        await using var owned = proxy;
        try
        {
            using var first = await client.GetAsync("/");
            await copyArrived.Task.WaitAsync(Deadline);
            using var second = await client.GetAsync("/");

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.False(release.Task.IsCompleted);
            Assert.True(proxy.App.Services.GetRequiredService<RequestMirror>().InFlight >= 1, "the copy should still be waiting on the mirror");
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task Get_MirrorTargetRefusesConnections_OriginalSucceedsAndTheFailureIsCounted()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, FreePort.Next(), new MirrorPolicy { Cluster = "mirror", Percent = 100 });
        await using var owned = proxy;

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, await WaitForMirrorCountAsync(proxy, "mirror", "failed", 3));
    }

    [Fact]
    public async Task Get_MirrorAt30Percent_ShareHonouredAndZeroPercentNeverMirrors()
    {
        var mirrored = new ConcurrentQueue<string>();
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var mirror = await UpstreamServer.StartAsync(context =>
        {
            mirrored.Enqueue(context.Request.Host.Value!);
            return Task.CompletedTask;
        });
        var (proxy, client) = await StartAsync(upstream, mirror.Port, new MirrorPolicy { Cluster = "mirror", Percent = 30 }, new Random(7));
        await using var owned = proxy;

        const int requests = 400;
        for (var i = 0; i < requests; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitAsync(() => proxy.App.Services.GetRequiredService<RequestMirror>().InFlight == 0);
        // 30% of 400 is 120; with a fixed seed the count is stable, and the bounds are 5 standard deviations wide.
        Assert.InRange(mirror.Requests, 75, 165);
        Assert.Equal(requests, upstream.Requests);
    }

    [Fact]
    public async Task Post_BodyOverTheMirrorBuffer_ForwardedWholeAndNotMirrored()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            await context.Response.WriteAsync(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        await using var mirror = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var (proxy, client) = await StartAsync(upstream, mirror.Port, new MirrorPolicy { Cluster = "mirror", Percent = 100 });
        await using var owned = proxy;
        var large = new string('x', RequestMirror.MaxBodyBytes + 1);

        // Declared length over the limit, then a chunked body of unknown length over it.
        using var declared = await client.PostAsync("/", new StringContent(large, Encoding.ASCII));
        using var chunked = await client.PostAsync("/", new ChunkedContent(Encoding.ASCII.GetBytes(large)));

        Assert.Equal(large.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await declared.Content.ReadAsStringAsync());
        Assert.Equal(large.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await chunked.Content.ReadAsStringAsync());
        Assert.Equal(2, await WaitForMirrorCountAsync(proxy, "mirror", "dropped_body", 2));
        Assert.Equal(0, mirror.Requests);
    }

    [Fact]
    public async Task Post_RetriedAfter503_TheBufferedBodyIsReplayedAndMirroredOnce()
    {
        var attempts = 0;
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            if (Interlocked.Increment(ref attempts) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await context.Response.WriteAsync(body);
        });
        var copies = new ConcurrentQueue<string>();
        await using var mirror = await UpstreamServer.StartAsync(async context => copies.Enqueue(await new StreamReader(context.Request.Body).ReadToEndAsync()));
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 1, RetryOn = { "5xx" } } };
        var (proxy, client) = await StartAsync(upstream, mirror.Port, new MirrorPolicy { Cluster = "mirror", Percent = 100 }, action: action);
        await using var owned = proxy;

        using var response = await client.PostAsync("/", new StringContent("replay me"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("replay me", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await WaitForMirrorCountAsync(proxy, "mirror", "sent", 1));
        Assert.Equal(["replay me"], copies);
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, int mirrorPort, MirrorPolicy mirror, Random? random = null,
        RouteAction? action = null)
    {
        var proxy = await TestProxy.StartAsync(random);
        var port = FreePort.Next();
        action ??= new RouteAction();
        action.Mirrors.Add(mirror);
        await proxy.ApplyAsync(
            [Cluster("backend"), Cluster("mirror")],
            [Endpoints("backend", upstream.Port), Endpoints("mirror", mirrorPort)],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend", ["*"], Forward(action, null, "default", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<double> WaitForMirrorCountAsync(TestProxy proxy, string cluster, string result, double expected)
    {
        var value = 0.0;
        await WaitAsync(async () =>
        {
            var exposition = await proxy.Admin.GetStringAsync("/stats/prometheus");
            value = exposition.Contains($"{RequestMirror.MetricName}{{cluster=\"{cluster}\",result=\"{result}\"}}", StringComparison.Ordinal)
                ? Exposition.Series(exposition, RequestMirror.MetricName, ("cluster", cluster), ("result", result)).Value
                : 0;
            return value >= expected;
        });
        return value;
    }

    private static Task WaitAsync(Func<bool> condition) => WaitAsync(() => Task.FromResult(condition()));

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!await condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    /// <summary>A body sent without Content-Length (chunked).</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
