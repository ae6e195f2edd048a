using System.Net;
using Mesh.Proxy.Pod;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability.Metrics;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>The status port's /stats/prometheus: the proxy's metrics and the application's, as Istio's agent merges them.</summary>
public sealed class MergedMetricsTests
{
    private const string AppExposition = """
        # HELP shop_orders_total Orders taken.
        # TYPE shop_orders_total counter
        shop_orders_total{status="paid"} 42
        # HELP shop_queue_depth Orders waiting.
        # TYPE shop_queue_depth gauge
        shop_queue_depth 3

        """;

    [Fact]
    public async Task StatsPrometheus_ApplicationScraped_OursThenItsAndPromtoolValid()
    {
        string? accept = null;
        await using var app = await UpstreamServer.StartAsync(context =>
        {
            accept = context.Request.Headers.Accept;
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Request.Path == "/metrics" ? context.Response.WriteAsync(AppExposition) : Task.CompletedTask;
        });
        await using var proxy = await StatusProxy.StartAsync(appMetrics: new AppMetricsScrape(app.Port, "/metrics"));

        using var response = await proxy.Status.GetAsync("/stats/prometheus");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MetricsMerger.TextFormat, response.Content.Headers.ContentType?.ToString());
        Assert.Contains("istio_agent_scrapes_total 1", body);
        Assert.EndsWith(AppExposition, body);
        Assert.Equal("text/plain;version=0.0.4", accept);
        Promtool.AssertValid(body);
    }

    [Fact]
    public async Task StatsPrometheus_ApplicationFailsThenRecovers_OursOnlyCountedAndLoggedOncePerEpisode()
    {
        var healthy = false;
        await using var app = await UpstreamServer.StartAsync(context =>
        {
            if (!Volatile.Read(ref healthy))
            {
                context.Response.StatusCode = 500;
                return Task.CompletedTask;
            }

            return context.Response.WriteAsync(AppExposition);
        });
        await using var proxy = await StatusProxy.StartAsync(appMetrics: new AppMetricsScrape(app.Port, "/metrics"));

        await proxy.Status.GetStringAsync("/stats/prometheus");
        var failed = await proxy.Status.GetStringAsync("/stats/prometheus");
        Volatile.Write(ref healthy, true);
        var recovered = await proxy.Status.GetStringAsync("/stats/prometheus");

        Assert.DoesNotContain("shop_orders_total", failed);
        Assert.Contains("istio_agent_scrape_failures_total{type=\"application\"} 2", failed);
        Promtool.AssertValid(failed);
        Assert.EndsWith(AppExposition, recovered);
        var failing = Assert.Single(proxy.Logs.Lines, l => l.EventId == 6004);
        Assert.Equal($"scraping the application's metrics at http://127.0.0.1:{app.Port}/metrics failed: status 500; serving the proxy's own only, until a scrape succeeds", failing.Message);
        Assert.Single(proxy.Logs.Lines, l => l.EventId == 6005);
    }

    [Fact]
    public async Task StatsPrometheus_ApplicationExpositionOverTheLimit_OursOnly()
    {
        var line = "big_series{n=\"0000000000\"} 1\n";
        await using var app = await UpstreamServer.StartAsync(async context =>
        {
            // No Content-Length: the limit must hold on a streamed body.
            var chunk = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 1024)));
            for (long sent = 0; sent <= MetricsMerger.MaxAppBodyBytes; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk);
            }
        });
        await using var proxy = await StatusProxy.StartAsync(appMetrics: new AppMetricsScrape(app.Port, "/metrics"));

        var body = await proxy.Status.GetStringAsync("/stats/prometheus");

        Assert.DoesNotContain("big_series", body);
        Assert.Contains(proxy.Logs.Lines, l => l.EventId == 6004 && l.Message.Contains($"more than {MetricsMerger.MaxAppBodyBytes} bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatsPrometheus_NoApplicationMetrics_OursAsOnTheMetricsPort()
    {
        await using var proxy = await StatusProxy.StartAsync();

        using var response = await proxy.Status.GetAsync("/stats/prometheus");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("istio_agent_scrapes_total 1", body);
        Assert.Contains("istio_agent_scrape_failures_total{type=\"application\"} 0", body);
        Promtool.AssertValid(body);
    }
}
