using System.Diagnostics;
using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Context.Propagation;
using B3Propagator = Mesh.Proxy.Observability.Tracing.B3Propagator;

namespace Mesh.Proxy.Tests.Observability.Tracing;

public sealed class B3PropagatorTests
{
    internal const string Trace128 = "463ac35c9f6413ad48485a3953bb6124";
    internal const string Trace64 = "a3ce929d0e0e4736";
    internal const string Span = "a2fb4a1d1a96d312";
    internal const string Parent = "0020000000000001";

    [Theory]
    [InlineData(Trace128, Span, "1", null, nameof(B3SamplingState.Accept))]
    [InlineData(Trace64, Span, "0", null, nameof(B3SamplingState.Deny))]
    [InlineData(Trace128, Span, "true", null, nameof(B3SamplingState.Accept))]
    [InlineData(Trace128, Span, "false", null, nameof(B3SamplingState.Deny))]
    [InlineData(Trace128, Span, null, "1", nameof(B3SamplingState.Debug))]
    [InlineData(Trace128, Span, "0", "1", nameof(B3SamplingState.Debug))]
    [InlineData("463AC35C9F6413AD48485A3953BB6124", Span, null, null, nameof(B3SamplingState.Defer))]
    public void Extract_ValidB3Multi_ReadsIdsAndSampling(string traceId, string spanId, string? sampled, string? flags, string expected)
    {
        var headers = Headers(("x-b3-traceid", traceId), ("x-b3-spanid", spanId), ("x-b3-parentspanid", Parent), ("x-b3-sampled", sampled), ("x-b3-flags", flags));

        var context = Extract(headers);

        Assert.Equal(traceId.ToLowerInvariant().PadLeft(32, '0'), context.TraceId.ToHexString());
        Assert.Equal(spanId, context.SpanId.ToHexString());
        Assert.Equal(new B3Sampling(Enum.Parse<B3SamplingState>(expected), WithIds: true), B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
    }

    [Theory]
    [InlineData("1", ActivityTraceFlags.Recorded)]
    [InlineData("0", ActivityTraceFlags.None)]
    [InlineData(null, ActivityTraceFlags.None)]
    public void Extract_ValidB3Multi_RemoteContextWithTheSampledFlag(string? sampled, ActivityTraceFlags expected)
    {
        var headers = Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", sampled));

        var context = Extract(headers);

        Assert.Equal(Trace128, context.TraceId.ToHexString());
        Assert.Equal(Span, context.SpanId.ToHexString());
        Assert.Equal(expected, context.TraceFlags);
        Assert.True(context.IsRemote);
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
        var headers = Headers(("x-b3-traceid", traceId), ("x-b3-spanid", spanId));

        Assert.Equal(default, B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
        Assert.Equal(default, new B3Propagator().Extract(default, headers, TraceHeaders.Getter));
    }

    [Fact]
    public void Extract_B3MultiWithMalformedParent_KeepsIds()
    {
        var headers = Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-parentspanid", "xyz"));

        Assert.Equal(Trace128, Extract(headers).TraceId.ToHexString());
    }

    [Theory]
    [InlineData(Trace128 + "-" + Span, nameof(B3SamplingState.Defer))]
    [InlineData(Trace128 + "-" + Span + "-1", nameof(B3SamplingState.Accept))]
    [InlineData(Trace128 + "-" + Span + "-0", nameof(B3SamplingState.Deny))]
    [InlineData(Trace128 + "-" + Span + "-d", nameof(B3SamplingState.Debug))]
    [InlineData(Trace128 + "-" + Span + "-1-" + Parent, nameof(B3SamplingState.Accept))]
    [InlineData(Trace64 + "-" + Span + "-1", nameof(B3SamplingState.Accept))]
    public void Extract_ValidB3Single_ReadsIdsAndSampling(string b3, string expected)
    {
        var context = Extract(Headers(("b3", b3)));

        Assert.Equal(b3[..b3.IndexOf('-')].PadLeft(32, '0'), context.TraceId.ToHexString());
        Assert.Equal(Span, context.SpanId.ToHexString());
        Assert.Equal(new B3Sampling(Enum.Parse<B3SamplingState>(expected), WithIds: true), B3Propagator.ReadSampling(Headers(("b3", b3)), TraceHeaders.Getter));
    }

    [Theory]
    [InlineData("1", nameof(B3SamplingState.Accept))]
    [InlineData("0", nameof(B3SamplingState.Deny))]
    [InlineData("d", nameof(B3SamplingState.Debug))]
    public void ReadSampling_B3SingleSamplingOnly_GivesSamplingWithoutIds(string b3, string expected)
    {
        var sampling = B3Propagator.ReadSampling(Headers(("b3", b3)), TraceHeaders.Getter);

        Assert.Equal(new B3Sampling(Enum.Parse<B3SamplingState>(expected), WithIds: false), sampling);
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
        Assert.Equal(default, B3Propagator.ReadSampling(Headers(("b3", b3)), TraceHeaders.Getter));
        Assert.Equal(default, Extract(Headers(("b3", b3))));
    }

    [Fact]
    public void Extract_B3SingleAndMulti_SingleWins()
    {
        var headers = Headers(("b3", Trace128 + "-" + Span + "-1"), ("x-b3-traceid", "1111111111111111"), ("x-b3-spanid", "2222222222222222"), ("x-b3-sampled", "0"));

        Assert.Equal(Trace128, Extract(headers).TraceId.ToHexString());
        Assert.Equal(new B3Sampling(B3SamplingState.Accept, WithIds: true), B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
    }

    [Fact]
    public void ReadSampling_OnlyB3SampledHeader_GivesSamplingWithoutIds()
    {
        var headers = Headers(("x-b3-sampled", "0"));

        Assert.Equal(new B3Sampling(B3SamplingState.Deny, WithIds: false), B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
        Assert.Equal(default, Extract(headers));
    }

    [Fact]
    public void Extract_SamplingOnlySingleAndMultiIds_MultiIdsWin()
    {
        var headers = Headers(("b3", "0"), ("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "1"));

        Assert.Equal(new B3Sampling(B3SamplingState.Accept, WithIds: true), B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
        Assert.Equal(Trace128, Extract(headers).TraceId.ToHexString());
    }

    [Fact]
    public void ReadSampling_NoHeaders_GivesNothing()
    {
        Assert.Equal(default, B3Propagator.ReadSampling(new HeaderDictionary(), TraceHeaders.Getter));
    }

    [Theory]
    [InlineData(Trace128, ActivityTraceFlags.Recorded, Trace128, "1")]
    [InlineData("0000000000000000" + Trace64, ActivityTraceFlags.None, Trace64, "0")] // a 64-bit id stays 64-bit
    public void Inject_Context_WritesMultiHeaders(string traceId, ActivityTraceFlags flags, string expectedTraceId, string expectedSampled)
    {
        var headers = new HeaderDictionary();
        var context = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(Span), flags);

        new B3Propagator().Inject(new PropagationContext(context, default), headers, TraceHeaders.Setter);

        Assert.Equal(expectedTraceId, headers["x-b3-traceid"]);
        Assert.Equal(Span, headers["x-b3-spanid"]);
        Assert.Equal(expectedSampled, headers["x-b3-sampled"]);
        Assert.Equal(3, headers.Count);
    }

    [Fact]
    public void Inject_InvalidContext_WritesNothing()
    {
        var headers = new HeaderDictionary();

        new B3Propagator().Inject(default, headers, TraceHeaders.Setter);

        Assert.Empty(headers);
    }

    [Fact]
    public void Fields_AllB3Headers()
    {
        Assert.Equal(["b3", "x-b3-flags", "x-b3-parentspanid", "x-b3-sampled", "x-b3-spanid", "x-b3-traceid"], new B3Propagator().Fields.Order());
    }

    private static ActivityContext Extract(HeaderDictionary headers) => new B3Propagator().Extract(default, headers, TraceHeaders.Getter).ActivityContext;

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
