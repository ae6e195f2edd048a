using System.Diagnostics;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Tracing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Exporter;
using static Mesh.Proxy.Tests.Observability.Tracing.B3PropagatorTests;

namespace Mesh.Proxy.Tests.Observability.Tracing;

/// <summary>The tracer on one request: the sampling decision, the Activities (only when sampled) and the headers each attempt sends.</summary>
public sealed class RequestTracerTests : IDisposable
{
    private readonly ProxyActivitySource _source = new();
    private readonly List<Activity> _started = [];
    private readonly ActivityListener _listener;

    public RequestTracerTests()
    {
        // This tracer's source only: listening to every source would make other code start Activities it otherwise would not.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                lock (_started)
                {
                    _started.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public void Begin_Unsampled_CreatesNoActivityButPropagatesTheDecision()
    {
        var (context, feature) = Request(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "0"));
        var tracer = Tracer(samplingPercent: 100);

        tracer.Begin(context, feature);
        var attempt = tracer.StartAttempt(context, feature);
        tracer.EndAttempt(context, feature, attempt, Endpoint(), failed: false);
        tracer.End(context, feature, 200, "-", null);

        Assert.Null(feature.ServerSpan);
        Assert.Null(attempt);
        Assert.Empty(_started);
        var headers = context.Request.Headers;
        Assert.Equal(Trace128, headers["x-b3-traceid"]);
        Assert.NotEqual(Span, headers["x-b3-spanid"].ToString());
        Assert.Equal("0", headers["x-b3-sampled"]);
        Assert.Equal($"00-{Trace128}-{headers["x-b3-spanid"]}-00", headers["traceparent"]);
    }

    [Fact]
    public void Begin_Sampled_ServerSpanChildOfTheCallerAndClientSpanChildOfIt()
    {
        var (context, feature) = Request(("x-b3-traceid", Trace128), ("x-b3-spanid", Span), ("x-b3-sampled", "1"));
        feature.ClusterName = "outbound|80||backend.default.svc.cluster.local";
        var tracer = Tracer(samplingPercent: 0);

        tracer.Begin(context, feature);
        var attempt = tracer.StartAttempt(context, feature);
        Assert.Null(Activity.Current);
        tracer.EndAttempt(context, feature, attempt, Endpoint(), failed: false);
        tracer.End(context, feature, 200, "-", null);

        Assert.Equal(2, _started.Count);
        var server = feature.ServerSpan!;
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal("frontend:80/*", server.DisplayName);
        Assert.Equal(Trace128, server.TraceId.ToHexString());
        Assert.Equal(Span, server.ParentSpanId.ToHexString());
        Assert.NotNull(attempt);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.Equal("router outbound|80||backend.default.svc.cluster.local egress", attempt.DisplayName);
        Assert.Equal(server.SpanId, attempt.ParentSpanId);
        Assert.Equal(attempt.SpanId.ToHexString(), context.Request.Headers["x-b3-spanid"]);
        Assert.True(server.IsStopped && attempt.IsStopped);
        Assert.Equal("200", attempt.GetTagItem("http.status_code"));
        Assert.Equal(1, attempt.GetTagItem("retry.attempt"));
    }

    [Fact]
    public void Begin_SampledButNotExporting_PropagatesWithoutActivities()
    {
        var (context, feature) = Request(("x-b3-sampled", "1"));
        var tracer = Tracer(samplingPercent: 0, exporting: false);

        tracer.Begin(context, feature);
        Assert.Null(tracer.StartAttempt(context, feature));

        Assert.Empty(_started);
        Assert.Equal("1", context.Request.Headers["x-b3-sampled"]);
        Assert.EndsWith("-01", context.Request.Headers["traceparent"].ToString());
    }

    [Fact]
    public void StartAttempt_NoHeaders_NewTraceAndRequestId()
    {
        var (context, feature) = Request();
        var tracer = Tracer(samplingPercent: 0);

        tracer.Begin(context, feature);
        tracer.StartAttempt(context, feature);

        var headers = context.Request.Headers;
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", headers["traceparent"].ToString());
        Assert.NotEqual(new string('0', 16), headers["traceparent"].ToString()[3..19]);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", headers["x-request-id"].ToString());
    }

    [Fact]
    public void StartAttempt_Retry_SameTraceNewSpan()
    {
        var (context, feature) = Request(("traceparent", $"00-{Trace128}-{Span}-00"));
        var tracer = Tracer(samplingPercent: 0);
        tracer.Begin(context, feature);

        tracer.StartAttempt(context, feature);
        var first = context.Request.Headers["x-b3-spanid"].ToString();
        tracer.StartAttempt(context, feature);

        Assert.Equal(Trace128, context.Request.Headers["x-b3-traceid"]);
        Assert.NotEqual(first, context.Request.Headers["x-b3-spanid"].ToString());
    }

    [Fact]
    public void StartAttempt_StaleHeaders_RemovedSoTheyCannotDescribeThePreviousHop()
    {
        var (context, feature) = Request(
            ("b3", $"{Trace128}-{Span}-1-{Parent}"), ("x-b3-parentspanid", Parent), ("traceparent", "00-33333333333333333333333333333333-4444444444444444-01"),
            ("tracestate", "foreign=1"));
        var tracer = Tracer(samplingPercent: 0);

        tracer.Begin(context, feature);
        tracer.StartAttempt(context, feature);

        var headers = context.Request.Headers;
        Assert.False(headers.ContainsKey("b3"));
        Assert.False(headers.ContainsKey("x-b3-parentspanid"));
        Assert.False(headers.ContainsKey("tracestate"));
        Assert.Equal(Trace128, headers["x-b3-traceid"]);
        Assert.Equal("1", headers["x-b3-sampled"]);
        Assert.StartsWith($"00-{Trace128}-", headers["traceparent"].ToString());
    }

    [Fact]
    public void StartAttempt_TraceParentWithTraceState_PassesItOn()
    {
        var (context, feature) = Request(("traceparent", $"00-{Trace128}-{Span}-01"), ("tracestate", "vendor=abc"));
        var tracer = Tracer(samplingPercent: 0);

        tracer.Begin(context, feature);
        tracer.StartAttempt(context, feature);

        Assert.Equal("vendor=abc", context.Request.Headers["tracestate"]);
        Assert.Equal("vendor=abc", feature.ServerSpan!.TraceStateString);
    }

    [Fact]
    public void StartAttempt_Debug64BitCaller_KeepsTheFlagAndThe64BitId()
    {
        var (context, feature) = Request(("x-b3-traceid", Trace64), ("x-b3-spanid", Span), ("x-b3-flags", "1"));
        var tracer = Tracer(samplingPercent: 0, exporting: false);

        tracer.Begin(context, feature);
        tracer.StartAttempt(context, feature);

        var headers = context.Request.Headers;
        Assert.Equal(Trace64, headers["x-b3-traceid"]);
        Assert.Equal("1", headers["x-b3-flags"]);
        Assert.Equal("1", headers["x-b3-sampled"]);
        Assert.StartsWith($"00-0000000000000000{Trace64}-", headers["traceparent"].ToString());
    }

    [Fact]
    public void StartAttempt_Baggage_PassedOnUntouched()
    {
        const string Baggage = "userId=alice;ttl=60,path=%2Fa%20b";
        var (context, feature) = Request(("baggage", Baggage));
        var tracer = Tracer(samplingPercent: 100);

        tracer.Begin(context, feature);
        tracer.StartAttempt(context, feature);

        Assert.Equal(Baggage, context.Request.Headers["baggage"]);
    }

    [Fact]
    public void Begin_RequestIdPresent_KeepsIt()
    {
        var (context, feature) = Request(("x-request-id", "abc"));

        Tracer(samplingPercent: 0).Begin(context, feature);

        Assert.Equal("abc", context.Request.Headers["x-request-id"]);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    private RequestTracer Tracer(double samplingPercent, bool exporting = true)
    {
        var options = new ProxyOptions(ProxyRole.Sidecar, "frontend-v1", "default", new Uri("http://127.0.0.1:1"), "127.0.0.1:1", 1, 0, "127.0.0.1",
            new Dictionary<string, string> { ["app"] = "frontend" })
        {
            TraceSamplingPercent = samplingPercent,
            Otlp = exporting ? new OtlpExport(new Uri("http://127.0.0.1:1"), OtlpExportProtocol.Grpc, "frontend.default") : null,
        };
        return new RequestTracer(options, TimeProvider.System, new Random(5), new SpanExports(options.Otlp is null ? null : _source.Source, (_, _) => { }, NullLogger.Instance));
    }

    private static (HttpContext Context, ProxyRequestFeature Feature) Request(params (string Name, string? Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("frontend:80");
        context.Request.Path = "/";
        foreach (var (name, value) in headers)
        {
            context.Request.Headers[name] = value;
        }

        return (context, new ProxyRequestFeature { Attempts = 1 });
    }

    private static EndpointModel Endpoint() => new(new Mesh.Contracts.Discovery.Endpoint { Address = "10.0.0.2", Port = 9080, WorkloadName = "backend-v1", Namespace = "default" }, new EndpointState());
}
