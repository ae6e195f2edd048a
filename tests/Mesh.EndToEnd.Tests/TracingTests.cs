using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// Traces over three hops (gateway → frontend → backend), checked at an OTLP receiver: whatever trace headers the
/// client sends, one trace id end to end and every span the child of the one before it, sampling as asked.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class TracingTests(ObservabilityFixture fixture)
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string OtherTraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string CallerSpanId = "00f067aa0ba902b7";

    // Each proxy of the chain makes a server span for the request it receives and a client span for its attempt.
    private static readonly (string Service, Span.Types.SpanKind Kind)[] Chain =
    [
        ("istio-ingressgateway.istio-system", Span.Types.SpanKind.Server),
        ("istio-ingressgateway.istio-system", Span.Types.SpanKind.Client),
        ("frontend.default", Span.Types.SpanKind.Server),  // frontend sidecar, inbound
        ("frontend.default", Span.Types.SpanKind.Client),  //   to the frontend app
        ("frontend.default", Span.Types.SpanKind.Server),  // frontend sidecar, outbound (the app passed the headers on)
        ("frontend.default", Span.Types.SpanKind.Client),  //   to a backend
        ("backend.default", Span.Types.SpanKind.Server),   // backend sidecar, inbound
        ("backend.default", Span.Types.SpanKind.Client),   //   to the backend app
    ];

    [Fact]
    public async Task Trace_NoIncomingHeaders_NewTraceRootedAtTheGateway()
    {
        var spans = await SendAndCollectAsync([]);

        AssertChain(spans, expectedTraceId: null, expectedRootParent: "");
    }

    [Fact]
    public async Task Trace_B3MultiHeaders_ContinuesTheCallersTrace()
    {
        var spans = await SendAndCollectAsync(
            [("x-b3-traceid", TraceId), ("x-b3-spanid", CallerSpanId), ("x-b3-sampled", "1")]);

        AssertChain(spans, TraceId, CallerSpanId);
    }

    [Fact]
    public async Task Trace_B3Multi64BitTraceId_KeepsTheIdInTheLowHalf()
    {
        var spans = await SendAndCollectAsync(
            [("x-b3-traceid", "a3ce929d0e0e4736"), ("x-b3-spanid", CallerSpanId), ("x-b3-sampled", "1")]);

        AssertChain(spans, "0000000000000000a3ce929d0e0e4736", CallerSpanId);
    }

    [Fact]
    public async Task Trace_B3SingleHeader_ContinuesTheCallersTrace()
    {
        var spans = await SendAndCollectAsync([("b3", $"{TraceId}-{CallerSpanId}-1")]);

        AssertChain(spans, TraceId, CallerSpanId);
    }

    [Fact]
    public async Task Trace_W3CTraceParent_ContinuesTheCallersTraceWithItsTraceState()
    {
        var spans = await SendAndCollectAsync([("traceparent", $"00-{TraceId}-{CallerSpanId}-01"), ("tracestate", "vendor=abc")]);

        var chain = AssertChain(spans, TraceId, CallerSpanId);
        Assert.All(chain, span => Assert.Equal("vendor=abc", span.Span.TraceState));
    }

    [Fact]
    public async Task Trace_MixedB3SingleAndW3C_B3WinsAsInEnvoy()
    {
        var spans = await SendAndCollectAsync(
            [("b3", $"{TraceId}-{CallerSpanId}-1"), ("traceparent", $"00-{OtherTraceId}-b7ad6b7169203331-01")]);

        AssertChain(spans, TraceId, CallerSpanId);
    }

    [Fact]
    public async Task Trace_MixedMalformedB3AndValidW3C_FallsBackToW3C()
    {
        var spans = await SendAndCollectAsync(
            [("x-b3-traceid", "not-hex"), ("x-b3-spanid", CallerSpanId), ("traceparent", $"00-{OtherTraceId}-{CallerSpanId}-01")]);

        AssertChain(spans, OtherTraceId, CallerSpanId);
    }

    [Fact]
    public async Task Trace_DebugFlagOverUnsampled_IsSampled()
    {
        var spans = await SendAndCollectAsync(
            [("x-b3-traceid", TraceId), ("x-b3-spanid", CallerSpanId), ("x-b3-sampled", "0"), ("x-b3-flags", "1")]);

        AssertChain(spans, TraceId, CallerSpanId);
    }

    [Theory]
    [InlineData("x-b3-sampled", "0")]
    [InlineData("b3", "0")]
    [InlineData("traceparent", "00-" + TraceId + "-" + CallerSpanId + "-00")]
    public async Task Trace_CallerSaidNotSampled_NoSpanExported(string header, string value)
    {
        var unsampled = "unsampled-" + Guid.NewGuid().ToString("N");
        await SendAsync(unsampled, [(header, value)]);

        // A sampled request sent afterwards goes through the same proxies and exporters: once its spans are in,
        // the unsampled request's would be too, had any been exported.
        await SendAndCollectAsync([]);
        Assert.Empty(fixture.Otlp.ForRequest(unsampled));
    }

    private async Task<IReadOnlyList<ReceivedSpan>> SendAndCollectAsync((string Name, string Value)[] headers)
    {
        var requestId = "trace-" + Guid.NewGuid().ToString("N");
        await SendAsync(requestId, headers);
        await MeshRun.WaitUntilAsync(
            () => Task.FromResult(fixture.Otlp.ForRequest(requestId).Count >= Chain.Length),
            TimeSpan.FromSeconds(20), $"the {Chain.Length} spans of request {requestId}");
        return fixture.Otlp.ForRequest(requestId);
    }

    private async Task SendAsync(string requestId, (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("x-request-id", requestId);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
    }

    /// <summary>Orders the spans parent to child from the root and checks them against <see cref="Chain"/>.</summary>
    private static List<ReceivedSpan> AssertChain(IReadOnlyList<ReceivedSpan> spans, string? expectedTraceId, string expectedRootParent)
    {
        var all = string.Join("\n", spans);
        Assert.True(spans.Count == Chain.Length, $"expected {Chain.Length} spans:\n{all}");
        var traceId = Assert.Single(spans.Select(s => s.TraceId).Distinct());
        if (expectedTraceId is not null)
        {
            Assert.Equal(expectedTraceId, traceId);
        }

        var ids = spans.Select(s => s.SpanId).ToHashSet();
        var root = Assert.Single(spans, s => !ids.Contains(s.ParentSpanId));
        Assert.Equal(expectedRootParent, root.ParentSpanId);

        var chain = new List<ReceivedSpan> { root };
        while (chain.Count < spans.Count)
        {
            var parent = chain[^1].SpanId;
            var child = spans.SingleOrDefault(s => s.ParentSpanId == parent);
            Assert.True(child is not null, $"no single child of {parent}:\n{all}");
            chain.Add(child);
        }

        for (var i = 0; i < Chain.Length; i++)
        {
            Assert.True(Chain[i] == (chain[i].Service, chain[i].Span.Kind), $"hop {i}: expected {Chain[i]}, got {chain[i]}\n{all}");
        }

        return chain;
    }
}
