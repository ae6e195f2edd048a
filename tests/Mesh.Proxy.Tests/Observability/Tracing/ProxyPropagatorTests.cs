using System.Diagnostics;
using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using static Mesh.Proxy.Tests.Observability.Tracing.B3PropagatorTests;

namespace Mesh.Proxy.Tests.Observability.Tracing;

/// <summary>The proxy's composition: the SDK's W3C trace context with our B3 over it, in Envoy's precedence.</summary>
public sealed class ProxyPropagatorTests
{
    private readonly TextMapPropagator _propagator = ProxyPropagator.Create();

    [Theory]
    [InlineData("00-" + Trace128 + "-" + Span + "-01", ActivityTraceFlags.Recorded)]
    [InlineData("00-" + Trace128 + "-" + Span + "-00", ActivityTraceFlags.None)]
    [InlineData("00-" + Trace128 + "-" + Span + "-03", ActivityTraceFlags.Recorded)]
    [InlineData("cc-" + Trace128 + "-" + Span + "-01-what-the-future-will-be-like", ActivityTraceFlags.Recorded)] // a later version may append fields
    public void Extract_ValidTraceParent_ReadsIdsSampledFlagAndTraceState(string traceparent, ActivityTraceFlags expectedSampled)
    {
        var context = Extract(("traceparent", traceparent), ("tracestate", "congo=t61rcWkgMzE"));

        Assert.Equal(Trace128, context.TraceId.ToHexString());
        Assert.Equal(Span, context.SpanId.ToHexString());
        Assert.Equal(expectedSampled, context.TraceFlags & ActivityTraceFlags.Recorded);
        Assert.Equal("congo=t61rcWkgMzE", context.TraceState);
    }

    [Theory]
    [InlineData("00-" + Trace128 + "-" + Span + "-1")] // short flags
    [InlineData("00-" + Trace128 + "-" + Span + "-01-extra")] // version 00 must be exactly 55
    [InlineData("ff-" + Trace128 + "-" + Span + "-01")] // forbidden version
    [InlineData("00-463AC35C9F6413AD48485A3953BB6124-" + Span + "-01")] // uppercase
    [InlineData("00-00000000000000000000000000000000-" + Span + "-01")] // zero trace id
    [InlineData("00-" + Trace128 + "-0000000000000000-01")] // zero parent id
    [InlineData("00-" + Trace128 + "-" + Span + "-0g")] // flags not hex
    [InlineData("00_" + Trace128 + "-" + Span + "-01")] // wrong separator
    [InlineData("01-" + Trace128 + "-" + Span + "-01x")] // later version, junk after flags
    [InlineData("")]
    public void Extract_MalformedTraceParent_TreatedAsAbsentWithItsTraceState(string traceparent)
    {
        var context = Extract(("traceparent", traceparent), ("tracestate", "a=b"));

        Assert.False(context.IsValid());
        Assert.Null(context.TraceState);
    }

    [Fact]
    public void Extract_B3SingleAndMultiAndW3C_B3SingleWins()
    {
        var context = Extract(
            ("b3", Trace128 + "-" + Span + "-1"),
            ("x-b3-traceid", "1111111111111111"), ("x-b3-spanid", "2222222222222222"),
            ("traceparent", "00-33333333333333333333333333333333-4444444444444444-00"));

        Assert.Equal(Trace128, context.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
    }

    [Fact]
    public void Extract_B3MultiAndW3C_B3MultiWinsAndForeignTraceStateIsDropped()
    {
        var context = Extract(
            ("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "0"),
            ("traceparent", "00-33333333333333333333333333333333-4444444444444444-01"), ("tracestate", "a=b"));

        Assert.Equal(Trace128, context.TraceId.ToHexString());
        Assert.Equal(ActivityTraceFlags.None, context.TraceFlags);
        Assert.Null(context.TraceState);
    }

    [Fact]
    public void Extract_B3MultiAndW3CSameTrace_KeepsTraceState()
    {
        var context = Extract(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("traceparent", $"00-{Trace128}-{Span}-01"), ("tracestate", "a=b"));

        Assert.Equal("a=b", context.TraceState);
    }

    [Fact]
    public void Extract_B3AndW3CSameSpanDifferentDecisions_B3DecisionWins()
    {
        var context = Extract(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "1"), ("traceparent", $"00-{Trace128}-{Span}-00"));

        Assert.Equal(Span, context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
    }

    [Fact]
    public void Extract_MalformedB3SingleWithValidW3C_FallsBackToW3C()
    {
        var context = Extract(("b3", "garbage-value"), ("traceparent", $"00-{Trace128}-{Span}-01"));

        Assert.Equal(Trace128, context.TraceId.ToHexString());
    }

    [Fact]
    public void Extract_NoHeaders_GivesNothing()
    {
        Assert.Equal(default, _propagator.Extract(default, new HeaderDictionary(), TraceHeaders.Getter));
    }

    [Fact]
    public void Inject_Context_WritesB3MultiAndW3C()
    {
        var headers = new HeaderDictionary();
        var context = new ActivityContext(ActivityTraceId.CreateFromString(Trace128), ActivitySpanId.CreateFromString(Span), ActivityTraceFlags.Recorded, "a=b");

        _propagator.Inject(new PropagationContext(context, default), headers, TraceHeaders.Setter);

        Assert.Equal(Trace128, headers["x-b3-traceid"]);
        Assert.Equal(Span, headers["x-b3-spanid"]);
        Assert.Equal("1", headers["x-b3-sampled"]);
        Assert.Equal($"00-{Trace128}-{Span}-01", headers["traceparent"]);
        Assert.Equal("a=b", headers["tracestate"]);
    }

    [Fact]
    public void Inject_HttpRequestMessage_WritesTheSameHeaders()
    {
        var context = new ActivityContext(ActivityTraceId.CreateFromString(Trace128), ActivitySpanId.CreateFromString(Span), ActivityTraceFlags.None);
        using var request = new HttpRequestMessage();

        _propagator.Inject(new PropagationContext(context, default), request, static (message, name, value) =>
        {
            message.Headers.Remove(name);
            message.Headers.TryAddWithoutValidation(name, value);
        });

        Assert.Equal("0", Assert.Single(request.Headers.GetValues("x-b3-sampled")));
        Assert.Equal($"00-{Trace128}-{Span}-00", Assert.Single(request.Headers.GetValues("traceparent")));
    }

    [Fact]
    public void InjectThenExtract_RoundTrips()
    {
        var headers = new HeaderDictionary();
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        _propagator.Inject(new PropagationContext(context, default), headers, TraceHeaders.Setter);
        var extracted = _propagator.Extract(default, headers, TraceHeaders.Getter).ActivityContext;

        Assert.Equal(context.TraceId, extracted.TraceId);
        Assert.Equal(context.SpanId, extracted.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, extracted.TraceFlags);
    }

    private ActivityContext Extract(params (string Name, string? Value)[] headers) =>
        _propagator.Extract(default, Headers(headers), TraceHeaders.Getter).ActivityContext;
}
