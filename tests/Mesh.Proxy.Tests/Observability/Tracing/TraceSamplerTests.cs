using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Context.Propagation;
using B3Propagator = Mesh.Proxy.Observability.Tracing.B3Propagator;
using static Mesh.Proxy.Tests.Observability.Tracing.B3PropagatorTests;

namespace Mesh.Proxy.Tests.Observability.Tracing;

public sealed class TraceSamplerTests
{
    [Theory]
    [InlineData("1", 0.0, true)] // the caller's decision wins over a 0% rate
    [InlineData("0", 100.0, false)] // and over a 100% rate
    [InlineData(null, 100.0, true)] // B3 ids without a decision: ours
    [InlineData(null, 0.0, false)]
    public void ShouldSample_B3Decision_CallerWinsElsePercentage(string? sampled, double percent, bool expected)
    {
        var headers = Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", sampled));

        Assert.Equal(expected, ShouldSample(new TraceSampler(percent, new Random(1)), headers));
    }

    [Theory]
    [InlineData("01", 0.0, true)]
    [InlineData("00", 100.0, false)]
    public void ShouldSample_TraceParent_ItsSampledFlagWins(string flags, double percent, bool expected)
    {
        var headers = Headers(("traceparent", $"00-{Trace128}-{Span}-{flags}"));

        Assert.Equal(expected, ShouldSample(new TraceSampler(percent, new Random(1)), headers));
    }

    [Fact]
    public void ShouldSample_B3DebugFlag_ForcesSamplingOverDeny()
    {
        var headers = Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "0"), ("x-b3-flags", "1"));

        Assert.True(ShouldSample(new TraceSampler(0, new Random(1)), headers));
    }

    [Theory]
    [InlineData(Trace128 + "-" + Span + "-d")]
    [InlineData("d")]
    public void ShouldSample_B3SingleDebug_ForcesSampling(string b3)
    {
        Assert.True(ShouldSample(new TraceSampler(0, new Random(1)), Headers(("b3", b3))));
    }

    [Theory]
    [InlineData("b3", "0")]
    [InlineData("x-b3-sampled", "0")]
    public void ShouldSample_DecisionWithoutIds_Honoured(string header, string value)
    {
        Assert.False(ShouldSample(new TraceSampler(100, new Random(1)), Headers((header, value))));
    }

    [Fact]
    public void ShouldSample_B3IdsAndTraceParent_B3DecisionWins()
    {
        var headers = Headers(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "0"), ("traceparent", $"00-{Trace128}-{Span}-01"));

        Assert.False(ShouldSample(new TraceSampler(100, new Random(1)), headers));
    }

    [Fact]
    public void ShouldSample_MalformedB3WithTraceParent_TraceParentDecides()
    {
        var headers = Headers(("x-b3-traceid", "not-hex"), ("x-b3-spanid", Span), ("traceparent", $"00-{Trace128}-{Span}-00"));

        Assert.False(ShouldSample(new TraceSampler(100, new Random(1)), headers));
    }

    [Fact]
    public void ShouldSample_NoDecision_SamplesAboutThePercentage()
    {
        var sampler = new TraceSampler(25, new Random(42));
        var headers = new HeaderDictionary();

        var sampled = 0;
        for (var i = 0; i < 4_000; i++)
        {
            sampled += ShouldSample(sampler, headers) ? 1 : 0;
        }

        Assert.InRange(sampled, 800, 1_200);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void Constructor_PercentOutOfRange_Throws(double percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TraceSampler(percent, new Random(1)));
    }

    private static bool ShouldSample(TraceSampler sampler, IHeaderDictionary headers) =>
        sampler.ShouldSample(ProxyPropagator.Create().Extract(default, headers, TraceHeaders.Getter), B3Propagator.ReadSampling(headers, TraceHeaders.Getter));
}
