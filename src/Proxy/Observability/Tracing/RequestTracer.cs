// Server and client spans of the requests through this proxy, and the trace headers that link them.
using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Mesh.Proxy.Model;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Continues the caller's trace (B3 single, B3 multi or W3C, in Envoy's precedence) with a server span per request
/// and a client span per upstream attempt, each attempt's context written downstream as B3 and W3C headers, and
/// <c>x-request-id</c> created when absent. Sampling is decided first (<see cref="TraceSampler"/>): only a sampled
/// request of a proxy that exports gets <see cref="Activity"/> objects, with Envoy/Istio-style names and attributes;
/// any other request still has its context propagated, from ids alone.
/// </summary>
internal sealed class RequestTracer
{
    private readonly TextMapPropagator _propagator = ProxyPropagator.Create();
    private readonly ProxyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly TraceSampler _sampler;
    private readonly SpanExports _exports;
    private readonly string _nodeId;
    private readonly string _canonicalService;

    public RequestTracer(ProxyOptions options, TimeProvider timeProvider, Random random, SpanExports exports)
    {
        _options = options;
        _timeProvider = timeProvider;
        _random = random;
        _sampler = new TraceSampler(options.TraceSamplingPercent, random);
        _exports = exports;
        _nodeId = options.ToNode().Id;
        _canonicalService = options.Labels.TryGetValue("app", out var app) ? app : options.Workload;
    }

    /// <summary>
    /// Decides sampling (at the percentage of the listener's Telemetry, <see cref="ProxyRequestFeature.Telemetry"/>,
    /// else the proxy's), starts the server span when it is recorded and reported (to the collector of the listener's
    /// tracing provider, else the proxy's own), and gives the request an x-request-id if it has none.
    /// </summary>
    public void Begin(HttpContext context, ProxyRequestFeature feature)
    {
        var telemetry = feature.Telemetry;
        var headers = context.Request.Headers;
        var parent = _propagator.Extract(default, headers, TraceHeaders.Getter);

        // B3's sampling state is read apart (as Envoy does): a PropagationContext cannot say "deferred", "debug" or "no ids".
        var b3 = B3Propagator.ReadSampling(headers, TraceHeaders.Getter);
        var sampled = telemetry?.SamplingPercent is { } percent ? _sampler.ShouldSample(parent, b3, percent) : _sampler.ShouldSample(parent, b3);
        var caller = parent.ActivityContext;
        var flags = sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        var remote = caller.IsValid() ? new ActivityContext(caller.TraceId, caller.SpanId, flags, caller.TraceState, isRemote: true) : default;
        // disableSpanReporting: no span, but the decision still travels on in the headers, as Envoy propagates it.
        feature.ServerSpan = sampled && (telemetry?.ReportSpans ?? true) && _exports.For(telemetry) is { } source
            ? Start(source, $"{context.Request.Host.Value}/*", ActivityKind.Server, remote)
            : null;

        // Without a span the attempts continue from ids alone: the caller's trace, or a new one, and the decision.
        feature.TraceContext = feature.ServerSpan?.Context
            ?? new ActivityContext(caller.IsValid() ? caller.TraceId : ActivityTraceId.CreateRandom(), caller.SpanId, flags, caller.TraceState);
        RequestId.Ensure(headers, _random);
    }

    /// <summary>Starts an attempt's client span when the request is recorded, and writes the attempt's context into the headers it sends.</summary>
    public Activity? StartAttempt(HttpContext context, ProxyRequestFeature feature)
    {
        var trace = feature.TraceContext;
        var attempt = feature.ServerSpan is { } server ? Start(server.Source, $"router {feature.ClusterName} egress", ActivityKind.Client, server.Context) : null;
        var outgoing = attempt?.Context ?? new ActivityContext(trace.TraceId, ActivitySpanId.CreateRandom(), trace.TraceFlags, trace.TraceState);
        var headers = context.Request.Headers;
        foreach (var stale in TraceHeaders.StaleOnInject)
        {
            headers.Remove(stale);
        }

        _propagator.Inject(new PropagationContext(outgoing, default), headers, TraceHeaders.Setter);
        return attempt;
    }

    public void EndAttempt(HttpContext context, ProxyRequestFeature feature, Activity? attempt, EndpointModel endpoint, bool failed)
    {
        if (attempt is null)
        {
            return;
        }

        var status = failed ? 0 : context.Response.StatusCode;
        AddRequestTags(attempt, context, status, failed || status >= 500);
        SetTag(attempt, "upstream_cluster", feature.ClusterName);
        SetTag(attempt, "upstream_address", $"{endpoint.Config.Address}:{endpoint.Config.Port}");
        SetTag(attempt, "peer.address", endpoint.Config.Address);
        attempt.SetTag("retry.attempt", feature.Attempts);
        Stop(attempt);
    }

    public void End(HttpContext context, ProxyRequestFeature feature, int responseCode, string responseFlags, string? peerPrincipal)
    {
        if (feature.ServerSpan is not { } span)
        {
            return;
        }

        AddRequestTags(span, context, responseCode, responseCode is 0 or >= 500 || responseFlags != "-");
        SetTag(span, "response_flags", responseFlags);
        SetTag(span, "upstream_cluster", feature.ClusterName);
        SetTag(span, "route_name", feature.RouteName);
        SetTag(span, "peer.address", context.Connection.RemoteIpAddress?.ToString());
        SetTag(span, "source_principal", peerPrincipal);
        SetTag(span, "user_agent", context.Request.Headers.UserAgent.ToString());
        var telemetry = feature.Telemetry;
        if (telemetry?.IstioTags ?? true)
        {
            SetTag(span, "istio.namespace", _options.Namespace);
            SetTag(span, "istio.canonical_service", _canonicalService);
        }

        if (telemetry is { CustomTags.Length: > 0 })
        {
            foreach (var tag in telemetry.CustomTags)
            {
                SetTag(span, tag.Tag, tag.ValueFor(context.Request));
            }
        }
        Stop(span);
    }

    /// <summary>
    /// Starts a span of this proxy's source, or returns null when no provider listens (the proxy is shutting down).
    /// Starting an <see cref="Activity"/> makes it <see cref="Activity.Current"/>; ours never stays current, so that
    /// SocketsHttpHandler does not start an Activity of its own under it for the upstream request.
    /// </summary>
    private Activity? Start(ActivitySource source, string name, ActivityKind kind, in ActivityContext parent)
    {
        var previous = Activity.Current;
        if (previous is not null)
        {
            // A span without a remote parent must be a root, whatever an ambient Activity says.
            Activity.Current = null;
        }

        var activity = source.StartActivity(name, kind, parent, startTime: _timeProvider.GetUtcNow());
        if (activity is not null || previous is not null)
        {
            Activity.Current = previous;
        }

        return activity;
    }

    private void Stop(Activity activity)
    {
        activity.SetEndTime(_timeProvider.GetUtcNow().UtcDateTime);
        activity.Stop();
    }

    private void AddRequestTags(Activity span, HttpContext context, int responseCode, bool error)
    {
        var request = context.Request;
        span.SetTag("component", "proxy");
        span.SetTag("node_id", _nodeId);
        SetTag(span, "guid:x-request-id", request.Headers[TraceHeaders.RequestId].ToString());
        span.SetTag("http.method", request.Method);
        span.SetTag("http.url", $"{request.Scheme}://{request.Host.Value}{request.Path.Value}{request.QueryString.Value}");
        span.SetTag("http.protocol", request.Protocol);
        span.SetTag("http.status_code", responseCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (responseCode is 0 or >= 500)
        {
            span.SetTag("error", "true");
        }

        if (error)
        {
            span.SetStatus(ActivityStatusCode.Error);
        }
    }

    // Envoy leaves out a tag it has no value for.
    private static void SetTag(Activity span, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            span.SetTag(key, value);
        }
    }
}
