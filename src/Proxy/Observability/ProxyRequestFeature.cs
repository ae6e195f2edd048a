using System.Diagnostics;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authentication;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Observability;

/// <summary>
/// What the proxy decided and observed for one request: route, cluster, attempts and response flags (read by logs and
/// metrics), plus the state of the current attempt that the transformer and the retry loop share.
/// </summary>
internal sealed class ProxyRequestFeature
{
    public ResponseFlags Flags { get; set; }

    /// <summary>Envoy's response code details where the proxy set them itself (a refused CONNECT); otherwise they follow from <see cref="Flags"/>.</summary>
    public string? ResponseCodeDetails { get; set; }

    /// <summary>The direction of the listener the request arrived on (unspecified if the listener is gone).</summary>
    public TrafficDirection Direction { get; set; }

    public string? RouteName { get; set; }

    public string? ClusterName { get; set; }

    public int Attempts { get; set; }

    public RouteModel? Route { get; set; }

    public WeightedClusterModel? Backend { get; set; }

    /// <summary>This proxy's span for the request, each attempt's client span its child; null unless it is sampled and exported.</summary>
    public Activity? ServerSpan { get; set; }

    /// <summary>What Telemetry resources say of the listener the request came in on; null: the proxy's flags.</summary>
    public ListenerTelemetryModel? Telemetry { get; set; }

    /// <summary>The trace the attempts continue, and the sampling decision: the server span's context, or ids alone without one.</summary>
    public ActivityContext TraceContext { get; set; }

    /// <summary>The token RequestAuthentication verified for this request; null when none was presented or none applies.</summary>
    public VerifiedJwt? Jwt { get; set; }

    /// <summary>The endpoint of the latest attempt; null when no attempt was made.</summary>
    public EndpointModel? Endpoint { get; set; }

    /// <summary>A consistent-hash cookie this proxy generated for the request (a whole Set-Cookie value), sent with the upstream's response.</summary>
    public string? HashCookie { get; set; }

    /// <summary>True while another attempt may follow this one, so a retriable response may be withheld.</summary>
    public bool MayRetry { get; set; }

    /// <summary>Set by the transformer when it kept a retriable response from the client.</summary>
    public bool ResponseWithheld { get; set; }

    /// <summary>A retry the policy asked for was not made: the body had been streamed upstream past what could be replayed.</summary>
    public bool RetryAbandoned { get; set; }

    /// <summary>The current attempt's per-try timeout, if the route has one.</summary>
    public CancellationTokenSource? PerTryTimeout { get; set; }

    /// <summary>The route's timeout over all attempts, if it has one.</summary>
    public CancellationTokenSource? RouteTimeout { get; set; }

    /// <summary>
    /// Stops the route and per-try timeouts: they bound the wait for an upgrade's answer, not the connection it opens
    /// (as in Envoy). Only the stream idle timeout then ends an upgraded connection that carries nothing.
    /// </summary>
    public void DisarmTimeouts()
    {
        PerTryTimeout?.CancelAfter(Timeout.InfiniteTimeSpan);
        RouteTimeout?.CancelAfter(Timeout.InfiniteTimeSpan);
    }
}
