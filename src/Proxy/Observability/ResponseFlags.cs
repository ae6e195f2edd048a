namespace Mesh.Proxy.Observability;

/// <summary>Envoy's response flags: why a request ended the way it did, recorded per request for logs and metrics.</summary>
[Flags]
internal enum ResponseFlags
{
    None = 0,

    /// <summary>NR: no route matched (404).</summary>
    NoRouteFound = 1 << 0,

    /// <summary>UH: the cluster has no endpoint (503).</summary>
    NoHealthyUpstream = 1 << 1,

    /// <summary>NC: the route names a cluster the proxy does not know (503).</summary>
    NoClusterFound = 1 << 2,

    /// <summary>UF: the upstream connection could not be made (503).</summary>
    UpstreamConnectionFailure = 1 << 3,

    /// <summary>URX: the retry limit was reached.</summary>
    UpstreamRetryLimitExceeded = 1 << 4,

    /// <summary>UT: the route or per-try timeout fired (504).</summary>
    UpstreamRequestTimeout = 1 << 5,

    /// <summary>DC: the downstream client went away.</summary>
    DownstreamConnectionTermination = 1 << 6,

    /// <summary>UC: the upstream connection ended before the response was complete.</summary>
    UpstreamConnectionTermination = 1 << 7,

    /// <summary>DPE: the client broke the HTTP protocol (a malformed request body, for one): answered 400, never retried.</summary>
    DownstreamProtocolError = 1 << 8,

    /// <summary>SI: the stream idle timeout ended it, e.g. an upgraded connection that carried nothing either way.</summary>
    StreamIdleTimeout = 1 << 9,

    /// <summary>OM: the overload manager refused the request, the heap being near its budget (503).</summary>
    OverloadManager = 1 << 10,

    /// <summary>FI: the route's fault injection aborted the request.</summary>
    FaultInjected = 1 << 11,

    /// <summary>DI: the route's fault injection delayed the request.</summary>
    DelayInjected = 1 << 12,

    /// <summary>UO: a circuit breaker of the cluster (connections, pending or in-flight requests) overflowed (503).</summary>
    UpstreamOverflow = 1 << 13,
}
