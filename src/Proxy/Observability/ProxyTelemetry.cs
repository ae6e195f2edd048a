// The proxy's per-request telemetry: peer metadata exchange, Istio metrics, per-route metrics, spans and access logs.
using System.Diagnostics;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.AccessLog;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Called by the request handler when a request arrives (<see cref="Begin"/>) and when it is done
/// (<see cref="Complete"/>), and by the forwarder around each upstream attempt: starts the server span, takes the
/// caller's peer metadata off inbound requests and puts ours on attempts to mesh workloads, then records the request
/// with Istio's labels, ends the span and, when asked for, writes its access log line.
/// </summary>
internal sealed class ProxyTelemetry
{
    private const string GrpcContentType = "application/grpc";
    private const string GrpcStatusHeader = "grpc-status";

    private readonly ProxyOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AccessLogWriter _accessLog;
    private readonly RequestTracer _tracer;
    private readonly RequestMetricsRecorder _recorder;
    private readonly string _peerMetadata;
    private readonly string _nodeId;
    private readonly string?[] _flagTexts = new string?[ResponseFlagsFormatter.Combinations];

    public ProxyTelemetry(
        ProxyOptions options, CappedMetricFactory metrics, TimeProvider timeProvider, AccessLogWriter accessLog, RequestTracer tracer,
        WorkloadIdentityStore? identity = null)
    {
        _tracer = tracer;
        _options = options;
        _timeProvider = timeProvider;
        _accessLog = accessLog;
        var version = options.ToNode().ProxyVersion;
        IstioMetrics = new IstioStandardMetrics(metrics, version);
        _recorder = new RequestMetricsRecorder(IstioMetrics, new RouteMetrics(metrics), options, identity);
        _peerMetadata = PeerMetadata.Encode(options.Workload, options.Namespace, options.Labels, version);
        _nodeId = options.ToNode().Id;
    }

    /// <summary>Istio's standard metric families of this proxy, which the TCP proxy records into too.</summary>
    public IstioStandardMetrics IstioMetrics { get; }

    public RequestObservation Begin(HttpContext context, ProxyRequestFeature feature, ProxySnapshot snapshot, ListenerModel? listener)
    {
        var telemetry = listener?.Telemetry;
        feature.Telemetry = telemetry;
        _tracer.Begin(context, feature);
        if (context.Features.Get<IHttpResponseBodyFeature>() is { } body)
        {
            context.Features.Set<IHttpResponseBodyFeature>(new CountingResponseBody(body));
        }

        var direction = listener?.Config.Direction ?? TrafficDirection.Unspecified;
        feature.Direction = direction;
        var headers = context.Request.Headers;
        string? peerMetadata = null;
        string? principal = null;
        if (direction == TrafficDirection.Inbound)
        {
            // Istio's metadata exchange is between proxies: the application never sees it.
            var value = headers[PeerMetadata.Header];
            peerMetadata = value.Count == 1 ? value[0] : null;
            headers.Remove(PeerMetadata.Header);
            headers.Remove(PeerMetadata.IdHeader);
            principal = context.Features.Get<PeerIdentityFeature>()?.SpiffeId;
        }

        var accessLog = telemetry?.AccessLog ?? _accessLog.Enabled;
        var startTime = accessLog ? _timeProvider.GetUtcNow() : default;
        return new RequestObservation(snapshot, direction, _timeProvider.GetTimestamp(), startTime, peerMetadata, principal, accessLog);
    }

    /// <summary>
    /// Prepares one upstream attempt: our peer metadata for a mesh workload (never for the local app, nor for a
    /// host outside the mesh, which must not learn our labels), and the attempt's client span and trace headers.
    /// </summary>
    public Activity? StartAttempt(HttpContext context, ProxyRequestFeature feature, EndpointModel endpoint)
    {
        if (feature.Direction != TrafficDirection.Inbound)
        {
            var headers = context.Request.Headers;
            if (endpoint.Config.WorkloadName.Length > 0)
            {
                headers[PeerMetadata.Header] = _peerMetadata;
                headers[PeerMetadata.IdHeader] = _nodeId;
            }
            else
            {
                headers.Remove(PeerMetadata.Header);
                headers.Remove(PeerMetadata.IdHeader);
            }
        }

        return _tracer.StartAttempt(context, feature);
    }

    public void EndAttempt(HttpContext context, ProxyRequestFeature feature, Activity? attempt, EndpointModel endpoint, bool failed) =>
        _tracer.EndAttempt(context, feature, attempt, endpoint, failed);

    public void Complete(HttpContext context, ProxyRequestFeature feature, in RequestObservation observation)
    {
        var durationMs = _timeProvider.GetElapsedTime(observation.StartTimestamp).TotalMilliseconds;
        var response = context.Response;

        // Envoy reports 0 when the client went away before any response was sent.
        var responseCode = (feature.Flags & ResponseFlags.DownstreamConnectionTermination) != 0 && !response.HasStarted ? 0 : response.StatusCode;
        var grpc = context.Request.ContentType is { } contentType && contentType.StartsWith(GrpcContentType, StringComparison.OrdinalIgnoreCase);
        var flags = FlagText(feature.Flags);
        var requestBytes = context.Request.ContentLength ?? 0;
        var counted = context.Features.Get<IHttpResponseBodyFeature>() is CountingResponseBody body ? body.Written : 0;
        var responseBytes = counted > 0 ? counted : response.ContentLength ?? 0;
        var host = context.Request.Headers.Host;
        _recorder.Record(observation, feature, host.Count == 1 ? host[0] : null, responseCode, grpc ? GrpcStatus(context) : null, flags, durationMs,
            requestBytes, responseBytes, grpc);
        _tracer.End(context, feature, responseCode, flags, observation.PeerPrincipal);

        if (observation.AccessLog)
        {
            var record = AccessLogRecordOf(context, feature, observation, responseCode, flags, durationMs, requestBytes, responseBytes);
            if (feature.Telemetry?.AccessLogFilter is not { } filter
                || filter.Matches(new AccessLogAttributes(record, context.Request, observation.PeerPrincipal is not null)))
            {
                _accessLog.Write(record);
            }
        }
    }

    private string FlagText(ResponseFlags flags)
    {
        return _flagTexts[(int)flags] ??= ResponseFlagsFormatter.Format(flags);
    }

    // A gRPC status travels in the trailers, or in the headers of a trailers-only response; Istio reports it as text.
    private static string GrpcStatus(HttpContext context)
    {
        var status = context.Response.Headers[GrpcStatusHeader];
        if (status.Count == 0 && context.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
        {
            status = trailers.Trailers[GrpcStatusHeader];
        }

        return status.Count > 0 && !string.IsNullOrEmpty(status[0]) ? status[0]! : IstioLabelValues.Unknown;
    }

    private static AccessLogRecord AccessLogRecordOf(
        HttpContext context, ProxyRequestFeature feature, in RequestObservation observation, int responseCode, string flags, double durationMs,
        long requestBytes, long responseBytes)
    {
        var request = context.Request;
        var connection = context.Connection;
        var endpoint = feature.Endpoint?.Config;
        return new AccessLogRecord
        {
            StartTime = observation.StartTime,
            Method = request.Method,
            Path = request.Path.Value + request.QueryString.Value,
            Protocol = request.Protocol,
            ResponseCode = responseCode,
            ResponseFlags = flags,
            ResponseCodeDetails = feature.RetryAbandoned
                ? (feature.ResponseCodeDetails ?? ResponseCodeDetails(context, feature)) + RetryAbandonedDetails
                : feature.ResponseCodeDetails ?? ResponseCodeDetails(context, feature),
            BytesReceived = requestBytes,
            BytesSent = responseBytes,
            DurationMilliseconds = (long)durationMs,
            ForwardedFor = request.Headers["x-forwarded-for"].ToString() is { Length: > 0 } forwardedFor ? forwardedFor : null,
            UserAgent = request.Headers.UserAgent.ToString() is { Length: > 0 } userAgent ? userAgent : null,
            RequestId = request.Headers["x-request-id"].ToString() is { Length: > 0 } requestId ? requestId : null,
            Authority = request.Host.Value,
            UpstreamHost = endpoint is null ? null : $"{endpoint.Address}:{endpoint.Port}",
            UpstreamCluster = feature.ClusterName,
            DownstreamLocalAddress = connection.LocalIpAddress is null ? null : $"{connection.LocalIpAddress}:{connection.LocalPort}",
            DownstreamRemoteAddress = connection.RemoteIpAddress is null ? null : $"{connection.RemoteIpAddress}:{connection.RemotePort}",
            RouteName = feature.RouteName,
        };
    }

    /// <summary>
    /// Added to the details of a request whose retry was not made because its body had been streamed upstream past
    /// what could be replayed. Envoy only counts these (retry_or_shadow_abandoned); the access log says it here.
    /// </summary>
    public const string RetryAbandonedDetails = ",retry_abandoned{request_body_over_buffer_limit}";

    // Envoy's %RESPONSE_CODE_DETAILS% for the outcomes this proxy produces.
    private static string ResponseCodeDetails(HttpContext context, ProxyRequestFeature feature) => feature.Flags switch
    {
        _ when (feature.Flags & ResponseFlags.DownstreamProtocolError) != 0 => HttpProtocol.IsHttp2(context.Request.Protocol) || HttpProtocol.IsHttp3(context.Request.Protocol) ? "codec_error" : "http1.codec_error",
        _ when (feature.Flags & ResponseFlags.NoRouteFound) != 0 => "route_not_found",
        _ when (feature.Flags & ResponseFlags.NoHealthyUpstream) != 0 => "no_healthy_upstream",
        _ when (feature.Flags & ResponseFlags.NoClusterFound) != 0 => "cluster_not_found",
        _ when (feature.Flags & ResponseFlags.UpstreamRequestTimeout) != 0 => "upstream_response_timeout",
        _ when (feature.Flags & ResponseFlags.StreamIdleTimeout) != 0 => "stream_idle_timeout",
        _ when (feature.Flags & ResponseFlags.UpstreamConnectionFailure) != 0 => "upstream_reset_before_response_started{connection_failure}",
        _ when (feature.Flags & ResponseFlags.DownstreamConnectionTermination) != 0 => "downstream_remote_disconnect",
        _ when feature.Route?.Redirect is not null || feature.Route?.DirectResponse is not null => "direct_response",
        _ => "via_upstream",
    };
}
