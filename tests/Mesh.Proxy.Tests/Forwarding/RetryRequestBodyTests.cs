using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// A retry sends the request body again only when all of it that went upstream was kept (Envoy buffers up to its
/// 1 MiB limit): a body of unknown length (chunked, gRPC) is retried whole; a body streamed upstream past the limit is
/// never sent twice, and the failure says it was not retried.
/// </summary>
public sealed class RetryRequestBodyTests
{
    private const int UpstreamFailed = 4003;

    private static readonly int OverLimit = UpstreamForwarder.MaxReplayableBodyBytes + (512 * 1024);

    [Fact]
    public async Task Retry_ChunkedBody_SecondAttemptReceivesTheWholeBodyAgain()
    {
        var bodies = new ConcurrentQueue<string>();
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            bodies.Enqueue(await HashOfBodyAsync(context.Request));
            context.Response.StatusCode = bodies.Count == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });
        var (proxy, client) = await StartAsync(upstream, new RetryPolicy { NumRetries = 2, RetryOn = { "5xx" } });
        await using var owned = proxy;
        using var _ = client;
        var payload = Payload(200 * 1024);

        using var response = await client.PostAsync("/orders", Chunked(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([Hash(payload), Hash(payload)], bodies.ToArray());
    }

    [Fact]
    public async Task Retry_UpstreamResetsMidBody_RetriedWithTheWholeBody()
    {
        var bodies = new ConcurrentQueue<string>();
        var attempts = 0;
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                // Part of the body reached this attempt's upstream before it went away.
                await context.Request.Body.ReadAtLeastAsync(new byte[16 * 1024], 16 * 1024);
                context.Abort();
                return;
            }

            bodies.Enqueue(await HashOfBodyAsync(context.Request));
        });
        var (proxy, client) = await StartAsync(upstream, new RetryPolicy { NumRetries = 2, RetryOn = { "reset" } });
        await using var owned = proxy;
        using var _ = client;
        var payload = Payload(300 * 1024);

        using var response = await client.PostAsync("/orders", Chunked(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, upstream.Requests);
        Assert.Equal([Hash(payload)], bodies.ToArray());
    }

    [Fact]
    public async Task Retry_BodyStreamedPastTheLimitThenReset_NotRetriedAndLogged()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            // Takes more of the body than a retry could replay, then goes away.
            await context.Request.Body.ReadAtLeastAsync(new byte[OverLimit], UpstreamForwarder.MaxReplayableBodyBytes + 64 * 1024);
            context.Abort();
        });
        var (proxy, client) = await StartAsync(upstream, new RetryPolicy { NumRetries = 2, RetryOn = { "reset", "5xx" } });
        await using var owned = proxy;
        using var _ = client;
        using var logs = Capture(proxy);

        using var response = await client.PostAsync("/orders", new ByteArrayContent(Payload(OverLimit)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Requests);
        Assert.Contains(logs.Lines, line => line.EventId == UpstreamFailed && line.Message.Contains("not retried", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_RetriableStatusAfterBodyPastTheLimit_ResponsePassedThroughNotRetried()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            await HashOfBodyAsync(context.Request);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("busy");
        });
        var (proxy, client) = await StartAsync(upstream, new RetryPolicy { NumRetries = 2, RetryOn = { "5xx" } });
        await using var owned = proxy;
        using var _ = client;

        using var response = await client.PostAsync("/orders", Chunked(Payload(OverLimit)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("busy", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Retry_BodyUnderTheLimitWithKnownLength_RetriedOnStatus()
    {
        var bodies = new ConcurrentQueue<string>();
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            bodies.Enqueue(await HashOfBodyAsync(context.Request));
            context.Response.StatusCode = bodies.Count < 3 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        });
        var (proxy, client) = await StartAsync(upstream, new RetryPolicy { NumRetries = 2, RetryOn = { "5xx" } });
        await using var owned = proxy;
        using var _ = client;
        var payload = Payload(UpstreamForwarder.MaxReplayableBodyBytes);

        using var response = await client.PostAsync("/orders", new ByteArrayContent(payload));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Enumerable.Repeat(Hash(payload), 3), bodies.ToArray());
    }

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, RetryPolicy retry)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "retry", ("backend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static LogCapture Capture(TestProxy proxy)
    {
        var logs = new LogCapture();
        proxy.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        return logs;
    }

    private static byte[] Payload(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        return payload;
    }

    /// <summary>A body without Content-Length: sent chunked, as a streaming client sends it.</summary>
    private static StreamContent Chunked(byte[] payload) => new(new MemoryStream(payload));

    private static string Hash(byte[] payload) => $"{payload.Length}:{Convert.ToHexString(SHA256.HashData(payload))}";

    private static async Task<string> HashOfBodyAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        return Hash(body.ToArray());
    }
}
