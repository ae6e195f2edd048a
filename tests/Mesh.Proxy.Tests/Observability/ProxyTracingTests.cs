using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Exporter;
using OpenTelemetry.Proto.Trace.V1;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>The proxy's spans as an OTLP collector receives them: one server span, one client span per attempt.</summary>
public sealed class ProxyTracingTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task Export_RetriedSampledRequest_ServerSpanWithOneClientSpanPerAttempt(OtlpExportProtocol protocol)
    {
        await using var collector = await OtlpCollector.StartAsync(protocol);
        var calls = 0;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            // The first attempt fails with a retriable 503; the retry succeeds.
            context.Response.StatusCode = Interlocked.Increment(ref calls) == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        var (proxy, client) = await StartGatewayAsync(collector, protocol, "istio-ingressgateway", upstream.Port, new RetryPolicy { NumRetries = 1, RetryOn = { "5xx" } });
        await using var _ = proxy;
        using var __ = client;

        // No trace headers and 0% sampling: not traced. The caller's sampling decision then wins over the percentage.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "unsampled"));
        Interlocked.Exchange(ref calls, 0);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "sampled", ("x-b3-sampled", "1")));

        await WaitUntilAsync(() => collector.Spans.Count >= 3, "the server span and two client spans");
        var spans = collector.Spans;
        Assert.Equal(3, spans.Count);
        Assert.All(spans, s => Assert.Equal("istio-ingressgateway.istio-system", s.Service));
        Assert.All(spans, s => Assert.Equal("sampled", Attribute(s.Span, "guid:x-request-id")));
        var server = Assert.Single(spans, s => s.Span.Kind == Span.Types.SpanKind.Server).Span;
        Assert.True(server.ParentSpanId.IsEmpty);
        Assert.Equal("200", Attribute(server, "http.status_code"));
        Assert.StartsWith("127.0.0.1:", server.Name, StringComparison.Ordinal);
        var attempts = spans.Where(s => s.Span.Kind == Span.Types.SpanKind.Client).Select(s => s.Span).OrderBy(s => Attribute(s, "retry.attempt")).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(server.SpanId, a.ParentSpanId));
        Assert.All(attempts, a => Assert.Equal(server.TraceId, a.TraceId));
        Assert.All(attempts, a => Assert.Equal("router frontend egress", a.Name));
        Assert.Equal(["503", "200"], attempts.Select(a => Attribute(a, "http.status_code")));
        Assert.Equal([Status.Types.StatusCode.Error, Status.Types.StatusCode.Unset], attempts.Select(a => a.Status?.Code ?? Status.Types.StatusCode.Unset));
        Assert.Equal("frontend", Attribute(attempts[0], "upstream_cluster"));
    }

    [Fact]
    public async Task Export_TwoProxiesInOneProcess_EachExportsOnlyItsOwnSpans()
    {
        await using var upstream = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        await using var first = await OtlpCollector.StartAsync(OtlpExportProtocol.Grpc);
        await using var second = await OtlpCollector.StartAsync(OtlpExportProtocol.HttpProtobuf);
        var (firstProxy, firstClient) = await StartGatewayAsync(first, OtlpExportProtocol.Grpc, "gateway-a", upstream.Port);
        var (secondProxy, secondClient) = await StartGatewayAsync(second, OtlpExportProtocol.HttpProtobuf, "gateway-b", upstream.Port);
        using var _ = firstClient;
        using var __ = secondClient;

        // Both providers hear both sources (the same name, one process): each must keep its own proxy's spans only.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(firstClient, "a", ("x-b3-sampled", "1")));
            Assert.Equal(HttpStatusCode.OK, await SendAsync(secondClient, "b", ("x-b3-sampled", "1")));
        }

        // Stopping a proxy flushes its provider: whatever either would export has been received once both are stopped.
        await firstProxy.DisposeAsync();
        await secondProxy.DisposeAsync();

        Assert.Equal(10, first.Spans.Count);
        Assert.All(first.Spans, s => Assert.Equal(("gateway-a.istio-system", "a"), (s.Service, Attribute(s.Span, "guid:x-request-id"))));
        Assert.Equal(10, second.Spans.Count);
        Assert.All(second.Spans, s => Assert.Equal(("gateway-b.istio-system", "b"), (s.Service, Attribute(s.Span, "guid:x-request-id"))));
    }

    [Fact]
    public async Task Export_ListenerTelemetry_SamplesAtItsPercentage_WithItsCustomTagsAndNoIstioTags()
    {
        await using var collector = await OtlpCollector.StartAsync(OtlpExportProtocol.Grpc);
        await using var upstream = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        Environment.SetEnvironmentVariable("MESH_TEST_CLUSTER_NAME", "kind-east");
        var telemetry = new ListenerTelemetry
        {
            TraceSamplingPercent = 100,
            DisableIstioTags = true,
            CustomTags =
            {
                new SpanCustomTag { Tag = "team", Source = SpanTagSource.Literal, Value = "payments" },
                new SpanCustomTag { Tag = "cluster", Source = SpanTagSource.Environment, Value = "MESH_TEST_CLUSTER_NAME", DefaultValue = "unknown" },
                new SpanCustomTag { Tag = "region", Source = SpanTagSource.Environment, Value = "MESH_TEST_UNSET_VARIABLE", DefaultValue = "nowhere" },
                new SpanCustomTag { Tag = "tenant", Source = SpanTagSource.RequestHeader, Value = "x-tenant", DefaultValue = "none" },
            },
        };
        var (proxy, client) = await StartGatewayAsync(collector, OtlpExportProtocol.Grpc, "istio-ingressgateway", upstream.Port, telemetry: telemetry);
        await using var _ = proxy;
        using var __ = client;

        // The proxy's own percentage is 0: the listener's 100 samples a request that carries no decision.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "tagged", ("x-tenant", "acme")));

        await WaitUntilAsync(() => collector.Spans.Count >= 2, "the server span and its client span");
        var server = Assert.Single(collector.Spans, s => s.Span.Kind == Span.Types.SpanKind.Server).Span;
        Assert.Equal(("payments", "kind-east", "nowhere", "acme"),
            (Attribute(server, "team"), Attribute(server, "cluster"), Attribute(server, "region"), Attribute(server, "tenant")));
        Assert.Null(Attribute(server, "istio.canonical_service"));
        Assert.Null(Attribute(server, "istio.namespace"));
    }

    [Fact]
    public async Task Export_ListenerTelemetryDisablesSpanReporting_NoSpans_TheSampledContextStillReachesTheUpstream()
    {
        await using var collector = await OtlpCollector.StartAsync(OtlpExportProtocol.Grpc);
        var traceparents = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            traceparents.Enqueue(context.Request.Headers["traceparent"].ToString());
            return Task.CompletedTask;
        });
        var telemetry = new ListenerTelemetry { TraceSamplingPercent = 100, DisableSpanReporting = true };
        var (proxy, client) = await StartGatewayAsync(collector, OtlpExportProtocol.Grpc, "istio-ingressgateway", upstream.Port, telemetry: telemetry);
        using var _ = client;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, $"quiet-{i}"));
        }

        // Stopping the proxy flushes its exporter: anything it would have exported has arrived.
        await proxy.DisposeAsync();
        Assert.Empty(collector.Spans);
        Assert.Equal(3, traceparents.Count);
        Assert.All(traceparents, t => Assert.EndsWith("-01", t, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Export_ListenerTracingProvider_ItsSpansGoToThatCollector_TheOtherListenersToTheProxysOwn()
    {
        await using var upstream = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        await using var own = await OtlpCollector.StartAsync(OtlpExportProtocol.Grpc);
        await using var named = await OtlpCollector.StartAsync(OtlpExportProtocol.HttpProtobuf);
        var provider = new TraceProvider { Name = "otel-http", OtlpEndpoint = new Uri(named.Address, "v1/traces").ToString(), OtlpOverHttp = true };
        var (proxy, ports) = await StartGatewayWithListenersAsync(own, upstream.Port, new ListenerTelemetry { TraceProvider = provider }, null);
        await using var _ = proxy;
        using var toNamed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };
        using var toOwn = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[1]}") };

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await SendAsync(toNamed, "named", ("x-b3-sampled", "1")));
            Assert.Equal(HttpStatusCode.OK, await SendAsync(toOwn, "own", ("x-b3-sampled", "1")));
        }

        // Stopping the proxy flushes every collector's exporter.
        await proxy.DisposeAsync();
        Assert.Equal(6, named.Spans.Count);
        // The named collector's exporter joined the running provider, so its spans carry the proxy's resource too.
        Assert.All(named.Spans, s => Assert.Equal(("istio-ingressgateway.istio-system", "named"), (s.Service, Attribute(s.Span, "guid:x-request-id"))));
        Assert.Equal(6, own.Spans.Count);
        Assert.All(own.Spans, s => Assert.Equal("own", Attribute(s.Span, "guid:x-request-id")));
    }

    [Fact]
    public async Task Export_HttpProviderHeaders_EveryExportCarriesThem()
    {
        await using var upstream = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        await using var named = await OtlpCollector.StartAsync(OtlpExportProtocol.HttpProtobuf);
        var provider = new TraceProvider { Name = "saas", OtlpEndpoint = new Uri(named.Address, "v1/traces").ToString(), OtlpOverHttp = true, TimeoutMs = 5_000 };
        // A value with a comma: the exporter's Headers string could not carry it.
        provider.HttpHeaders.Add("x-api-key", "secret, with a comma");
        provider.HttpHeaders.Add("x-tenant", "acme");
        var (proxy, ports) = await StartGatewayWithListenersAsync(null, upstream.Port, new ListenerTelemetry { TraceProvider = provider });
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };

        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "with-headers", ("x-b3-sampled", "1")));
        await proxy.DisposeAsync();

        Assert.Equal(2, named.Spans.Count);
        Assert.NotEmpty(named.ExportHeaders);
        Assert.All(named.ExportHeaders, headers => Assert.Equal(("secret, with a comma", "acme"), (headers["x-api-key"].ToString(), headers["x-tenant"].ToString())));
    }

    [Fact]
    public async Task Export_HttpProviderTimeout_AHangingCollectorFailsTheExportWithinIt()
    {
        await using var upstream = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        await using var hanging = await OtlpCollector.StartAsync(OtlpExportProtocol.HttpProtobuf);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hanging.Hold = released.Task;
        var provider = new TraceProvider { Name = "slow", OtlpEndpoint = new Uri(hanging.Address, "v1/traces").ToString(), OtlpOverHttp = true, TimeoutMs = 300 };
        var (proxy, ports) = await StartGatewayWithListenersAsync(null, upstream.Port, new ListenerTelemetry { TraceProvider = provider });
        await using var _ = proxy;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };
        using var admin = new HttpClient { BaseAddress = proxy.Admin };

        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, "to-a-hanging-collector", ("x-b3-sampled", "1")));

        // The exporter's own default is 10 s: a failure counted well before it is the provider's 300 ms.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!(await admin.GetStringAsync("/stats/prometheus")).Contains("mesh_tracing_export_failures_total 1", StringComparison.Ordinal))
        {
            Assert.False(deadline.IsCancellationRequested, "no export failure counted within 5 s of a 300 ms timeout");
            await Task.Delay(50);
        }
        released.SetResult();
    }

    [Fact]
    public async Task Export_ProxyWithoutCollector_ItsListenersProviderStillGetsSpans_AProviderWithoutOneGetsNone()
    {
        var traceparents = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            traceparents.Enqueue(context.Request.Headers["traceparent"].ToString());
            return Task.CompletedTask;
        });
        await using var named = await OtlpCollector.StartAsync(OtlpExportProtocol.Grpc);
        var exported = new ListenerTelemetry { TraceProvider = new TraceProvider { Name = "jaeger", OtlpEndpoint = named.Address.ToString() } };
        var unavailable = new ListenerTelemetry { TraceProvider = new TraceProvider { Name = "zipkin", Unavailable = "a zipkin provider" } };
        var (proxy, ports) = await StartGatewayWithListenersAsync(null, upstream.Port, exported, unavailable);
        using var toNamed = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[0]}") };
        using var toUnavailable = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[1]}") };

        Assert.Equal(HttpStatusCode.OK, await SendAsync(toNamed, "named", ("x-b3-sampled", "1")));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(toUnavailable, "unreported", ("x-b3-sampled", "1")));

        await proxy.DisposeAsync();
        Assert.Equal(2, named.Spans.Count);
        Assert.All(named.Spans, s => Assert.Equal("named", Attribute(s.Span, "guid:x-request-id")));
        // Not reported is not untraced: the sampled context still goes upstream, as with disableSpanReporting.
        Assert.Equal(2, traceparents.Count);
        Assert.All(traceparents, t => Assert.EndsWith("-01", t, StringComparison.Ordinal));
    }

    /// <summary>A gateway with one listener per telemetry (null: none), all routed to the upstream; its own collector optional.</summary>
    private static async Task<(ObservedProxy Proxy, int[] Ports)> StartGatewayWithListenersAsync(OtlpCollector? own, int upstreamPort, params ListenerTelemetry?[] telemetries)
    {
        var proxy = await ObservedProxy.StartAsync(options => options with
        {
            Labels = new Dictionary<string, string> { ["app"] = "istio-ingressgateway" },
            TraceSamplingPercent = 0,
            Otlp = own is null ? null : new OtlpExport(own.Address, OtlpExportProtocol.Grpc, "istio-ingressgateway.istio-system"),
        });
        var ports = new int[telemetries.Length];
        var listeners = new Listener[telemetries.Length];
        for (var i = 0; i < telemetries.Length; i++)
        {
            ports[i] = FreePort.Next();
            listeners[i] = Listener($"gateway-{i}", ports[i], "http.80");
            listeners[i].Telemetry = telemetries[i];
        }

        await proxy.ApplyAsync(Cluster("frontend"), Endpoints("frontend", upstreamPort), listeners,
            Routes("http.80", Host("frontend", ["*"], Forward(new RouteAction(), null, "default", ("frontend", 100)))));
        return (proxy, ports);
    }

    private static async Task<(ObservedProxy Proxy, HttpClient Client)> StartGatewayAsync(
        OtlpCollector collector, OtlpExportProtocol protocol, string app, int upstreamPort, RetryPolicy? retry = null, ListenerTelemetry? telemetry = null)
    {
        var endpoint = protocol == OtlpExportProtocol.Grpc ? collector.Address : new Uri(collector.Address, "v1/traces");
        var proxy = await ObservedProxy.StartAsync(options => options with
        {
            Labels = new Dictionary<string, string> { ["app"] = app },
            TraceSamplingPercent = 0,
            Otlp = new OtlpExport(endpoint, protocol, $"{app}.istio-system"),
        });
        var port = FreePort.Next();
        var action = new RouteAction { RetryPolicy = retry };
        var listener = Listener("gateway", port, "http.80");
        listener.Telemetry = telemetry;
        await proxy.ApplyAsync(Cluster("frontend"), Endpoints("frontend", upstreamPort), listener,
            Routes("http.80", Host("frontend", ["*"], Forward(action, null, "default", ("frontend", 100)))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string requestId, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("x-request-id", requestId);
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    private static string? Attribute(Span span, string key)
    {
        var value = span.Attributes.SingleOrDefault(a => a.Key == key)?.Value;
        return value is null ? null : value.HasIntValue ? value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.StringValue;
    }
}
