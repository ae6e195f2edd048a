// Server and client spans of the requests through this proxy, and the trace headers that link them.
using Microsoft.AspNetCore.Http;
using OpenTelemetry.Proto.Trace.V1;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Continues the caller's trace (B3 single, B3 multi or W3C, in Envoy's precedence) with a server span per request
/// and a client span per upstream attempt, each attempt's context written downstream as B3 and W3C headers, and
/// <c>x-request-id</c> created when absent. Sampled spans are exported with Envoy/Istio-style attributes.
/// </summary>
internal sealed class RequestTracer(ProxyOptions options, TimeProvider timeProvider, Random random, SpanExporter exporter)
{
    private readonly TracePropagator _propagator = new(options.TraceSamplingPercent, random);
    private readonly string _nodeId = options.ToNode().Id;

    /// <summary>Starts the server span, kept on <paramref name="feature"/>, and gives the request an x-request-id if it has none.</summary>
    public void Begin(HttpContext context, ProxyRequestFeature feature)
    {
        var headers = context.Request.Headers;
        var incoming = TraceContextExtractor.Extract(headers);
        feature.ServerSpan = _propagator.StartServerSpan(incoming);
        feature.ServerSpanStart = Exporting(feature.ServerSpan) ? timeProvider.GetUtcNow() : default;
        _propagator.EnsureRequestId(headers);
    }

    /// <summary>Starts an attempt's client span and writes its context into the headers the attempt sends.</summary>
    public AttemptSpan StartAttempt(HttpContext context, ProxyRequestFeature feature)
    {
        var span = _propagator.StartChildSpan(feature.ServerSpan);
        TracePropagator.Inject(span, context.Request.Headers);
        return new AttemptSpan(span, Exporting(span) ? timeProvider.GetUtcNow() : default);
    }

    public void EndAttempt(HttpContext context, ProxyRequestFeature feature, in AttemptSpan attempt, EndpointModel endpoint, bool failed)
    {
        if (!Exporting(attempt.Context))
        {
            return;
        }

        var status = failed ? 0 : context.Response.StatusCode;
        var span = OtlpSpans.Create(attempt.Context, $"router {feature.ClusterName} egress", Span.Types.SpanKind.Client, attempt.Start,
            timeProvider.GetUtcNow(), failed || status >= 500);
        AddRequestAttributes(span, context, status);
        span.Add("upstream_cluster", feature.ClusterName);
        span.Add("upstream_address", $"{endpoint.Config.Address}:{endpoint.Config.Port}");
        span.Add("peer.address", endpoint.Config.Address);
        span.Add("retry.attempt", feature.Attempts);
        exporter.Enqueue(span);
    }

    public void End(HttpContext context, ProxyRequestFeature feature, int responseCode, string responseFlags, string? peerPrincipal)
    {
        if (!Exporting(feature.ServerSpan))
        {
            return;
        }

        var span = OtlpSpans.Create(feature.ServerSpan, $"{context.Request.Host.Value}/*", Span.Types.SpanKind.Server, feature.ServerSpanStart,
            timeProvider.GetUtcNow(), responseCode is 0 or >= 500 || responseFlags != "-");
        AddRequestAttributes(span, context, responseCode);
        span.Add("response_flags", responseFlags);
        span.Add("upstream_cluster", feature.ClusterName);
        span.Add("route_name", feature.RouteName);
        span.Add("peer.address", context.Connection.RemoteIpAddress?.ToString());
        span.Add("source_principal", peerPrincipal);
        span.Add("user_agent", context.Request.Headers.UserAgent.ToString());
        span.Add("istio.namespace", options.Namespace);
        span.Add("istio.canonical_service", options.Labels.TryGetValue("app", out var app) ? app : options.Workload);
        exporter.Enqueue(span);
    }

    private bool Exporting(in SpanContext span) => span.Sampled && exporter.Enabled;

    private void AddRequestAttributes(Span span, HttpContext context, int responseCode)
    {
        var request = context.Request;
        span.Add("component", "proxy");
        span.Add("node_id", _nodeId);
        span.Add("guid:x-request-id", request.Headers[TraceHeaders.RequestId].ToString());
        span.Add("http.method", request.Method);
        span.Add("http.url", $"{request.Scheme}://{request.Host.Value}{request.Path.Value}{request.QueryString.Value}");
        span.Add("http.protocol", request.Protocol);
        span.Add("http.status_code", responseCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (responseCode is 0 or >= 500)
        {
            span.Add("error", "true");
        }
    }
}
