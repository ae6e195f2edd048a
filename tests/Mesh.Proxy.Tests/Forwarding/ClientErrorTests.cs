using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>What the client gets wrong is answered as the client's fault: a malformed body is a 400 with DPE, never a 503 nor a retry.</summary>
public sealed class ClientErrorTests
{
    private static async Task<(TestProxy Proxy, int Port)> StartAsync(UpstreamServer upstream)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 2, RetryOn = { "5xx", "reset", "connect-failure" } } };
        await proxy.ApplyAsync(
            [Cluster("backend")],
            [Endpoints("backend", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], Forward(action, null, "upload", ("backend", 100)))));
        return (proxy, port);
    }

    private static async Task ReadBodyAndEcho(HttpContext context)
    {
        await context.Request.Body.CopyToAsync(Stream.Null);
        await UpstreamServer.Echo(context);
    }

    [Fact]
    public async Task Forward_MalformedChunkedBody_Answers400WithDpeNotAnUpstream503()
    {
        await using var upstream = await UpstreamServer.StartAsync(ReadBodyAndEcho);
        var (proxy, port) = await StartAsync(upstream);
        await using var owned = proxy;

        var response = await RawHttp.ExchangeAsync(port, "POST /upload HTTP/1.1\r\nHost: backend\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal("DPE", Exposition.Series(metrics, "istio_requests_total", ("response_code", "400")).Labels["response_flags"]);
        Assert.DoesNotContain("response_code=\"503\"", metrics);
        Assert.True(upstream.Requests <= 1, $"the broken body was sent {upstream.Requests} times");
    }

    [Fact]
    public async Task Forward_BodyShorterThanContentLengthWithRetries_NeverReplayedNorAnswered503()
    {
        await using var upstream = await UpstreamServer.StartAsync(ReadBodyAndEcho);
        var (proxy, port) = await StartAsync(upstream);
        await using var owned = proxy;

        // A replayable size (the proxy buffers it for retries), cut short by the client's half-close once the upstream
        // is reading it. Kestrel reports the short body as a bad request (DPE), the half-close as the client gone (DC),
        // or both when the client is gone by the time the 400 is written.
        var response = await RawHttp.ExchangeAsync(port, "POST /upload HTTP/1.1\r\nHost: backend\r\nContent-Length: 100\r\n\r\nonly part",
            beforeHalfClose: () => WaitUntilAsync(() => upstream.Requests > 0));

        Assert.DoesNotContain(" 503 ", response);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        var flags = Exposition.Series(metrics, "istio_requests_total", ("reporter", "source")).Labels["response_flags"];
        Assert.Matches("^(DC|DPE|DC,DPE)$", flags);
        Assert.True(upstream.Requests <= 1, $"the broken body was sent {upstream.Requests} times");
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
