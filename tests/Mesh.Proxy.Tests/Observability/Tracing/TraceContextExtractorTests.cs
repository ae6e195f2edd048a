using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Observability.Tracing;

public sealed class TraceContextExtractorTests
{
    private const string Trace128 = "463ac35c9f6413ad48485a3953bb6124";
    private const string Trace64 = "a3ce929d0e0e4736";
    private const string Span = "a2fb4a1d1a96d312";
    private const string Parent = "0020000000000001";

    [Theory]
    [InlineData(Trace128, Span, "1", null, true, false)]
    [InlineData(Trace64, Span, "0", null, false, false)]
    [InlineData(Trace128, Span, "true", null, true, false)]
    [InlineData(Trace128, Span, null, "1", true, true)]
    [InlineData(Trace128, Span, "0", "1", true, true)]
    [InlineData("463AC35C9F6413AD48485A3953BB6124", Span, null, null, null, false)]
    public void Extract_ValidB3Multi_ReadsIdsAndDecision(string traceId, string spanId, string? sampled, string? flags, bool? expectedSampled, bool expectedDebug)
    {
        var headers = Headers(("x-b3-traceid", traceId), ("x-b3-spanid", spanId), ("x-b3-parentspanid", Parent), ("x-b3-sampled", sampled), ("x-b3-flags", flags));

        var context = TraceContextExtractor.Extract(headers);

        Assert.Equal(TraceFormat.B3Multi, context.Format);
        Assert.True(context.HasIds);
        Assert.Equal(traceId.ToLowerInvariant().PadLeft(32, '0'), context.TraceId.ToHex());
        Assert.Equal(spanId, context.SpanId.ToHex());
        Assert.Equal(expectedSampled, context.Sampled);
        Assert.Equal(expectedDebug, context.Debug);
        Assert.Equal(traceId.Length == 16, context.Is64BitTraceId);
    }

    [Theory]
    [InlineData("463ac35c9f6413ad48485a3953bb612", Span)] // 31 digits
    [InlineData("463ac35c9f6413ad48485a3953bb61244", Span)] // 33 digits
    [InlineData("a3ce929d0e0e473", Span)] // 15 digits
    [InlineData("463ac35c9f6413ad48485a3953bb612g", Span)] // not hex
    [InlineData("00000000000000000000000000000000", Span)] // all-zero trace id
    [InlineData("0000000000000000", Span)] // all-zero 64-bit trace id
    [InlineData(Trace128, "0000000000000000")] // all-zero span id
    [InlineData(Trace128, "a2fb4a1d1a96d31")] // short span id
    [InlineData(Trace128, "a2fb4a1d1a96d3122")] // long span id
    [InlineData(Trace128, "a2fb4a1d1a96d31z")] // not hex
    [InlineData(Trace128, "")]
    [InlineData("", Span)]
    [InlineData(" 463ac35c9f6413ad48485a3953bb612", Span)]
    public void Extract_MalformedB3Multi_TreatedAsAbsent(string traceId, string spanId)
    {
        var context = TraceContextExtractor.Extract(Headers(("x-b3-traceid", traceId), ("x-b3-spanid", spanId)));

        Assert.False(context.HasIds);
        Assert.Equal(TraceFormat.None, context.Format);
    }

    [Fact]
    public void Extract_B3MultiWithMalformedParent_KeepsIds()
    {
        var context = TraceContextExtractor.Extract(Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-parentspanid", "xyz")));

        Assert.True(context.HasIds);
    }

    [Theory]
    [InlineData(Trace128 + "-" + Span, null, false, false)]
    [InlineData(Trace128 + "-" + Span + "-1", true, false, false)]
    [InlineData(Trace128 + "-" + Span + "-0", false, false, false)]
    [InlineData(Trace128 + "-" + Span + "-d", true, true, false)]
    [InlineData(Trace128 + "-" + Span + "-1-" + Parent, true, false, false)]
    [InlineData(Trace64 + "-" + Span + "-1", true, false, true)]
    public void Extract_ValidB3Single_ReadsIdsAndDecision(string b3, bool? expectedSampled, bool expectedDebug, bool expected64)
    {
        var context = TraceContextExtractor.Extract(Headers(("b3", b3)));

        Assert.Equal(TraceFormat.B3Single, context.Format);
        Assert.True(context.HasIds);
        Assert.Equal(Span, context.SpanId.ToHex());
        Assert.Equal(expectedSampled, context.Sampled);
        Assert.Equal(expectedDebug, context.Debug);
        Assert.Equal(expected64, context.Is64BitTraceId);
    }

    [Theory]
    [InlineData("1", true, false)]
    [InlineData("0", false, false)]
    [InlineData("d", true, true)]
    public void Extract_B3SingleSamplingOnly_GivesDecisionWithoutIds(string b3, bool expectedSampled, bool expectedDebug)
    {
        var context = TraceContextExtractor.Extract(Headers(("b3", b3)));

        Assert.False(context.HasIds);
        Assert.Equal(expectedSampled, context.Sampled);
        Assert.Equal(expectedDebug, context.Debug);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("2")]
    [InlineData(Trace128)]
    [InlineData(Trace128 + "-")]
    [InlineData(Trace128 + "-" + Span + "-x")]
    [InlineData(Trace128 + "-" + Span + "-1-zz")]
    [InlineData(Trace128 + "-" + Span + "-1-" + Parent + "-extra")]
    [InlineData("00000000000000000000000000000000-" + Span + "-1")]
    [InlineData(Trace128 + "-0000000000000000-1")]
    [InlineData("463ac35c9f6413ad48485a3953bb612-" + Span)]
    public void Extract_MalformedB3Single_TreatedAsAbsent(string b3)
    {
        var context = TraceContextExtractor.Extract(Headers(("b3", b3)));

        Assert.Equal(default, context);
    }

    [Theory]
    [InlineData("00-" + Trace128 + "-" + Span + "-01", true)]
    [InlineData("00-" + Trace128 + "-" + Span + "-00", false)]
    [InlineData("00-" + Trace128 + "-" + Span + "-03", true)]
    [InlineData("01-" + Trace128 + "-" + Span + "-01-future", true)]
    public void Extract_ValidTraceParent_ReadsIdsAndSampledFlag(string traceparent, bool expectedSampled)
    {
        var context = TraceContextExtractor.Extract(Headers(("traceparent", traceparent), ("tracestate", "congo=t61rcWkgMzE")));

        Assert.Equal(TraceFormat.W3C, context.Format);
        Assert.Equal(Trace128, context.TraceId.ToHex());
        Assert.Equal(Span, context.SpanId.ToHex());
        Assert.Equal(expectedSampled, context.Sampled);
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
        var context = TraceContextExtractor.Extract(Headers(("traceparent", traceparent), ("tracestate", "a=b")));

        Assert.Equal(default, context);
    }

    [Fact]
    public void Extract_B3SingleAndMultiAndW3C_B3SingleWins()
    {
        var headers = Headers(
            ("b3", Trace128 + "-" + Span + "-1"),
            ("x-b3-traceid", "1111111111111111"), ("x-b3-spanid", "2222222222222222"),
            ("traceparent", "00-33333333333333333333333333333333-4444444444444444-00"));

        var context = TraceContextExtractor.Extract(headers);

        Assert.Equal(TraceFormat.B3Single, context.Format);
        Assert.Equal(Trace128, context.TraceId.ToHex());
        Assert.True(context.Sampled);
    }

    [Fact]
    public void Extract_B3MultiAndW3C_B3MultiWinsAndForeignTraceStateIsDropped()
    {
        var headers = Headers(
            ("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "0"),
            ("traceparent", "00-33333333333333333333333333333333-4444444444444444-01"), ("tracestate", "a=b"));

        var context = TraceContextExtractor.Extract(headers);

        Assert.Equal(TraceFormat.B3Multi, context.Format);
        Assert.Equal(false, context.Sampled);
        Assert.Null(context.TraceState);
    }

    [Fact]
    public void Extract_B3MultiAndW3CSameTrace_KeepsTraceState()
    {
        var headers = Headers(
            ("x-b3-traceid", Trace128), ("x-b3-spanid", Span),
            ("traceparent", $"00-{Trace128}-{Span}-01"), ("tracestate", "a=b"));

        Assert.Equal("a=b", TraceContextExtractor.Extract(headers).TraceState);
    }

    [Fact]
    public void Extract_MalformedB3SingleWithValidW3C_FallsBackToW3C()
    {
        var headers = Headers(("b3", "garbage-value"), ("traceparent", $"00-{Trace128}-{Span}-01"));

        Assert.Equal(TraceFormat.W3C, TraceContextExtractor.Extract(headers).Format);
    }

    [Fact]
    public void Extract_OnlyB3SampledHeader_GivesDecisionWithoutIds()
    {
        var context = TraceContextExtractor.Extract(Headers(("x-b3-sampled", "0")));

        Assert.False(context.HasIds);
        Assert.Equal(false, context.Sampled);
    }

    [Fact]
    public void Extract_NoHeaders_GivesNothing()
    {
        Assert.Equal(default, TraceContextExtractor.Extract(new HeaderDictionary()));
    }

    internal static HeaderDictionary Headers(params (string Name, string? Value)[] values)
    {
        var headers = new HeaderDictionary();
        foreach (var (name, value) in values)
        {
            if (value is not null)
            {
                headers[name] = value;
            }
        }

        return headers;
    }
}
