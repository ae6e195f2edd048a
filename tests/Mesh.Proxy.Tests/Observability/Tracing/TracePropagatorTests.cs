using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Observability.Tracing;

public sealed class TracePropagatorTests
{
    private const string Trace128 = "463ac35c9f6413ad48485a3953bb6124";
    private const string Span = "a2fb4a1d1a96d312";

    [Theory]
    [InlineData("1", 0.0, true)] // the caller's decision wins over a 0% rate
    [InlineData("0", 100.0, false)] // and over a 100% rate
    [InlineData(null, 100.0, true)]
    [InlineData(null, 0.0, false)]
    public void StartServerSpan_SamplingDecision_UpstreamWinsElsePercentage(string? sampled, double percent, bool expected)
    {
        var incoming = TraceContextExtractor.Extract(TraceContextExtractorTests.Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", sampled)));

        var span = new TracePropagator(percent, new Random(1)).StartServerSpan(incoming);

        Assert.Equal(expected, span.Sampled);
    }

    [Fact]
    public void StartServerSpan_DebugFlag_ForcesSampling()
    {
        var incoming = TraceContextExtractor.Extract(TraceContextExtractorTests.Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-flags", "1")));

        var span = new TracePropagator(0, new Random(1)).StartServerSpan(incoming);

        Assert.True(span.Sampled);
        Assert.True(span.Debug);
    }

    [Fact]
    public void StartServerSpan_NoDecision_SamplesAboutThePercentage()
    {
        var propagator = new TracePropagator(25, new Random(42));

        var sampled = 0;
        for (var i = 0; i < 4_000; i++)
        {
            sampled += propagator.StartServerSpan(default).Sampled ? 1 : 0;
        }

        Assert.InRange(sampled, 800, 1_200);
    }

    [Fact]
    public void StartServerSpan_IncomingIds_ContinuesTraceWithNewSpanParentedOnCaller()
    {
        var incoming = TraceContextExtractor.Extract(TraceContextExtractorTests.Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span)));

        var span = new TracePropagator(random: new Random(7)).StartServerSpan(incoming);

        Assert.Equal(Trace128, span.TraceId.ToHex());
        Assert.Equal(Span, span.ParentSpanId.ToHex());
        Assert.True(span.SpanId.IsValid);
        Assert.NotEqual(span.ParentSpanId, span.SpanId);
    }

    [Fact]
    public void StartServerSpan_NoIds_StartsRootWith128BitTrace()
    {
        var span = new TracePropagator(random: new Random(7)).StartServerSpan(default);

        Assert.True(span.TraceId.IsValid);
        Assert.NotEqual(0UL, span.TraceId.High);
        Assert.False(span.ParentSpanId.IsValid);
    }

    [Fact]
    public void StartChildSpan_Attempts_SameTraceDistinctSpansParentedOnServerSpan()
    {
        var propagator = new TracePropagator(random: new Random(3));
        var server = propagator.StartServerSpan(default);

        var first = propagator.StartChildSpan(server);
        var retry = propagator.StartChildSpan(server);

        Assert.Equal(server.TraceId, first.TraceId);
        Assert.Equal(server.SpanId, first.ParentSpanId);
        Assert.Equal(server.SpanId, retry.ParentSpanId);
        Assert.NotEqual(first.SpanId, retry.SpanId);
    }

    [Fact]
    public void Inject_SampledSpan_WritesB3AndW3CAndRemovesSingleB3()
    {
        var span = new SpanContext(new TraceId(0x463ac35c9f6413ad, 0x48485a3953bb6124), new SpanId(0xa2fb4a1d1a96d312), new SpanId(1), true, false, "a=b", false);
        var headers = TraceContextExtractorTests.Headers(("b3", "stale"), ("x-b3-flags", "1"));

        TracePropagator.Inject(span, headers);

        Assert.Equal(Trace128, headers["x-b3-traceid"]);
        Assert.Equal(Span, headers["x-b3-spanid"]);
        Assert.Equal("0000000000000001", headers["x-b3-parentspanid"]);
        Assert.Equal("1", headers["x-b3-sampled"]);
        Assert.False(headers.ContainsKey("x-b3-flags"));
        Assert.False(headers.ContainsKey("b3"));
        Assert.Equal($"00-{Trace128}-{Span}-01", headers["traceparent"]);
        Assert.Equal("a=b", headers["tracestate"]);
    }

    [Fact]
    public void Inject_DebugRootSpanWith64BitTrace_WritesFlagsAnd64BitB3Id()
    {
        var span = new SpanContext(new TraceId(0, 0xa3ce929d0e0e4736), new SpanId(5), default, true, true, null, true);
        var headers = TraceContextExtractorTests.Headers(("x-b3-parentspanid", "0000000000000009"), ("x-b3-sampled", "0"), ("tracestate", "x=y"));

        TracePropagator.Inject(span, headers);

        Assert.Equal("a3ce929d0e0e4736", headers["x-b3-traceid"]);
        Assert.Equal("1", headers["x-b3-flags"]);
        Assert.False(headers.ContainsKey("x-b3-sampled"));
        Assert.False(headers.ContainsKey("x-b3-parentspanid"));
        Assert.False(headers.ContainsKey("tracestate"));
        Assert.Equal("00-0000000000000000a3ce929d0e0e4736-0000000000000005-01", headers["traceparent"]);
    }

    [Fact]
    public void Inject_HttpRequestMessage_WritesTheSameHeaders()
    {
        var span = new SpanContext(new TraceId(1, 2), new SpanId(3), new SpanId(4), false, false, null, false);
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("x-b3-sampled", "1");

        TracePropagator.Inject(span, request.Headers);

        Assert.Equal("0", Assert.Single(request.Headers.GetValues("x-b3-sampled")));
        Assert.Equal("00-00000000000000010000000000000002-0000000000000003-00", Assert.Single(request.Headers.GetValues("traceparent")));
        Assert.Equal("0000000000000004", Assert.Single(request.Headers.GetValues("x-b3-parentspanid")));
    }

    [Fact]
    public void InjectThenExtract_RoundTrips()
    {
        var propagator = new TracePropagator(100, new Random(9));
        var span = propagator.StartServerSpan(default);
        var headers = new HeaderDictionary();

        TracePropagator.Inject(span, headers);
        var extracted = TraceContextExtractor.Extract(headers);

        Assert.Equal(span.TraceId, extracted.TraceId);
        Assert.Equal(span.SpanId, extracted.SpanId);
        Assert.Equal(true, extracted.Sampled);
    }

    [Fact]
    public void EnsureRequestId_Absent_CreatesVersion4Uuid()
    {
        var headers = new HeaderDictionary();

        var id = new TracePropagator(random: new Random(5)).EnsureRequestId(headers);

        Assert.Equal(id, headers["x-request-id"]);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
    }

    [Fact]
    public void EnsureRequestId_Present_KeepsIt()
    {
        var headers = TraceContextExtractorTests.Headers(("x-request-id", "abc"));

        Assert.Equal("abc", new TracePropagator().EnsureRequestId(headers));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Constructor_PercentOutOfRange_Throws(double percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TracePropagator(percent));
    }
}
