using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// A flood of expected failures (clients resetting their streams, an upstream that is down) leaves a bounded number
/// of log lines, each one line without a stack trace; the access log and metrics still count every request.
/// </summary>
public sealed class ForwardingLogTests
{
    private const int Requests = 200;
    private const int ClientGone = 4001;
    private const int UpstreamFailed = 4003;

    // Two rate-limit intervals' worth, should the burst straddle one boundary, and each one's suppression line.
    private const int MaxLinesPerEvent = 2 * (ForwardingLog.LinesPerInterval + 1);

    [Fact]
    public async Task Forward_BurstOfH2StreamResets_BoundedOneLineLogs()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/streaming")
            {
                await context.Response.WriteAsync("partial");
                await context.Response.Body.FlushAsync();
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        });
        await using var proxy = await TestProxy.StartAsync();
        using var logs = Capture(proxy);
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var before = logs.Lines.Count;

        // h2c, so that each cancellation is a RST_STREAM on one connection, as in a rapid-reset attack: half of them
        // before the response, half while its body streams.
        for (var sent = 0; sent < Requests; sent += 20)
        {
            using var cancel = new CancellationTokenSource();
            var waiting = Enumerable.Range(0, 10).Select(_ => SendAsync(client, "/hang", cancel.Token)).ToList();
            var streaming = Enumerable.Range(0, 10).Select(_ => SendAsync(client, "/streaming", CancellationToken.None)).ToList();
            await WaitUntilAsync(() => upstream.Requests >= sent + 20);
            cancel.Cancel();
            foreach (var request in waiting)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
            }

            foreach (var request in streaming)
            {
                // Disposing a response whose body is unread resets its stream.
                (await request).Dispose();
            }
        }

        // Envoy's response code for a client gone before any response is 0.
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, Requests);
        // Every series on failure, to tell requests counted under other labels from requests not counted.
        var series = string.Join('\n', metrics.Split('\n').Where(line => line.StartsWith("istio_requests_total{", StringComparison.Ordinal)));
        var beforeResponse = Exposition.Series(metrics, "istio_requests_total", ("response_flags", "DC"), ("response_code", "0")).Value;
        var whileStreaming = Exposition.Series(metrics, "istio_requests_total", ("response_flags", "DC"), ("response_code", "200")).Value;
        Assert.True(beforeResponse == Requests / 2 && whileStreaming == Requests / 2,
            $"expected {Requests / 2} DC requests with code 0 and {Requests / 2} with code 200, got {beforeResponse} and {whileStreaming}:\n{series}");
        AssertBoundedOneLiners(logs.Lines.Skip(before).ToList(), ClientGone);
    }

    [Fact]
    public async Task Forward_BurstToDeadUpstream_BoundedOneLineLogs()
    {
        await using var proxy = await TestProxy.StartAsync();
        using var logs = Capture(proxy);
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("dead")], [Endpoints("dead", FreePort.Next())], Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("dead"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var before = logs.Lines.Count;

        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.GetAsync("/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, Requests);
        Assert.Equal(Requests, Exposition.Series(metrics, "istio_requests_total", ("response_flags", "UF")).Value);
        AssertBoundedOneLiners(logs.Lines.Skip(before).ToList(), UpstreamFailed);
    }

    private static LogCapture Capture(TestProxy proxy)
    {
        var logs = new LogCapture();
        proxy.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        return logs;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, deadline.Token);
        }
    }

    /// <summary>The event was logged, within its rate limit; no line of the burst, of any event, carries a stack trace.</summary>
    private static void AssertBoundedOneLiners(List<CapturedLog> lines, int eventId)
    {
        Assert.All(lines, line => Assert.True(line.Exception is null && !line.Message.Contains('\n'), $"event {line.EventId}: {line.Message}\n{line.Exception}"));
        Assert.InRange(lines.Count(line => line.EventId == eventId), 1, MaxLinesPerEvent);
        Assert.True(lines.Count <= MaxLinesPerEvent, string.Join("\n", lines.Select(line => $"{line.EventId} {line.Message}")));
    }
}
