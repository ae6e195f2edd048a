using System.Collections.Concurrent;
using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>The proxy's spans as an OTLP/HTTP collector receives them: one server span, one client span per attempt.</summary>
public sealed class ProxyTracingTests
{
    [Fact]
    public async Task Export_RetriedSampledRequest_ServerSpanWithOneClientSpanPerAttemptOverHttpProtobuf()
    {
        var spans = new ConcurrentQueue<(string Service, Span Span)>();
        await using var collector = await UpstreamServer.StartAsync(async context =>
        {
            Assert.Equal("/v1/traces", context.Request.Path.Value);
            Assert.Equal("application/x-protobuf", context.Request.ContentType);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var resource in ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()).ResourceSpans)
            {
                var service = resource.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue;
                foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                {
                    spans.Enqueue((service, span));
                }
            }
        });
        var calls = 0;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            // The first attempt fails with a retriable 503; the retry succeeds.
            context.Response.StatusCode = Interlocked.Increment(ref calls) == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        await using var proxy = await ObservedProxy.StartAsync(options => options with
        {
            TraceSamplingPercent = 0,
            Otlp = new OtlpEndpoint(new Uri($"http://127.0.0.1:{collector.Port}"), OtlpProtocol.HttpProtobuf),
        });
        var port = FreePort.Next();
        var action = new RouteAction { RetryPolicy = new RetryPolicy { NumRetries = 1, RetryOn = { "5xx" } } };
        await proxy.ApplyAsync(Cluster("frontend"), Endpoints("frontend", upstream.Port), Listener("gateway", port, "http.80"),
            Routes("http.80", Host("frontend", ["*"], Forward(action, null, "default", ("frontend", 100)))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // No trace headers and 0% sampling: not traced. The caller's sampling decision then wins over the percentage.
        using var unsampled = new HttpRequestMessage(HttpMethod.Get, "/");
        unsampled.Headers.Add("x-request-id", "unsampled");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(unsampled)).StatusCode);
        using var sampled = new HttpRequestMessage(HttpMethod.Get, "/");
        sampled.Headers.Add("x-request-id", "sampled");
        sampled.Headers.Add("x-b3-sampled", "1");
        Interlocked.Exchange(ref calls, 0);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(sampled)).StatusCode);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (spans.Count < 3)
        {
            await Task.Delay(20, deadline.Token);
        }

        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.Equal("istio-ingressgateway.istio-system", s.Service));
        Assert.All(spans, s => Assert.Equal("sampled", Attribute(s.Span, "guid:x-request-id")));
        var server = Assert.Single(spans, s => s.Span.Kind == Span.Types.SpanKind.Server).Span;
        Assert.True(server.ParentSpanId.IsEmpty);
        Assert.Equal("200", Attribute(server, "http.status_code"));
        var attempts = spans.Where(s => s.Span.Kind == Span.Types.SpanKind.Client).Select(s => s.Span).OrderBy(s => Attribute(s, "retry.attempt")).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(server.SpanId, a.ParentSpanId));
        Assert.All(attempts, a => Assert.Equal(server.TraceId, a.TraceId));
        Assert.Equal(["503", "200"], attempts.Select(a => Attribute(a, "http.status_code")));
        Assert.Equal("frontend", Attribute(attempts[0], "upstream_cluster"));
    }

    private static string? Attribute(Span span, string key)
    {
        var value = span.Attributes.SingleOrDefault(a => a.Key == key)?.Value;
        return value is null ? null : value.HasIntValue ? value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.StringValue;
    }
}
