using System.Collections.Concurrent;
using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Istio's standard metrics, names, types, labels and buckets as Istio's proxies emit them, created through a
/// <see cref="CappedMetricFactory"/>; hands out per-edge handles that record without allocating.
/// </summary>
internal sealed class IstioStandardMetrics
{
    private readonly CappedFamily<Counter.Child> _requests;
    private readonly CappedFamily<Histogram.Child> _duration;
    private readonly CappedFamily<Histogram.Child> _requestBytes;
    private readonly CappedFamily<Histogram.Child> _responseBytes;
    private readonly CappedFamily<Counter.Child> _tcpSent;
    private readonly CappedFamily<Counter.Child> _tcpReceived;
    private readonly CappedFamily<Counter.Child> _tcpOpened;
    private readonly CappedFamily<Counter.Child> _tcpClosed;
    private readonly ConcurrentDictionary<RequestEdgeLabels, RequestEdge> _edges = new();

    /// <param name="proxyVersion">Reported as istio_build's <c>tag</c>.</param>
    public IstioStandardMetrics(CappedMetricFactory metrics, string proxyVersion)
    {
        var request = IstioLabelNames.RequestArray;
        var tcp = IstioLabelNames.TcpArray;
        var buckets = EnvoyHistogramBuckets.DefaultArray;
        _requests = metrics.CreateCounter("istio_requests_total", "Requests handled by this proxy.", request);
        _duration = metrics.CreateHistogram("istio_request_duration_milliseconds", "Request duration in milliseconds.", request, buckets);
        _requestBytes = metrics.CreateHistogram("istio_request_bytes", "HTTP request body size in bytes.", request, buckets);
        _responseBytes = metrics.CreateHistogram("istio_response_bytes", "HTTP response body size in bytes.", request, buckets);
        _tcpSent = metrics.CreateCounter("istio_tcp_sent_bytes_total", "Bytes sent during response on TCP connections.", tcp);
        _tcpReceived = metrics.CreateCounter("istio_tcp_received_bytes_total", "Bytes received during request on TCP connections.", tcp);
        _tcpOpened = metrics.CreateCounter("istio_tcp_connections_opened_total", "TCP connections opened.", tcp);
        _tcpClosed = metrics.CreateCounter("istio_tcp_connections_closed_total", "TCP connections closed.", tcp);
        metrics.CreateGauge("istio_build", "Istio component build info.", ["component", "tag"])
            .WithLabels("proxy", string.IsNullOrEmpty(proxyVersion) ? IstioLabelValues.Unknown : proxyVersion)
            .Set(1);
    }

    /// <summary>The handle for one edge; the same labels give the same handle. Keep it per peer and route.</summary>
    public RequestEdge ResolveRequestEdge(RequestEdgeLabels labels) =>
        _edges.GetOrAdd(labels, static (key, metrics) => new RequestEdge(metrics, key), this);

    /// <summary>
    /// A handle this instance does not keep, for label sets whose number the caller bounds itself (edges named after
    /// a request's Host header): the same labels then give another handle over the same series.
    /// </summary>
    public RequestEdge CreateRequestEdge(RequestEdgeLabels labels) => new(this, labels);

    /// <summary>The TCP handle for one edge and the response flags its connections end with.</summary>
    public TcpEdge ResolveTcpEdge(RequestEdgeLabels labels, string? responseFlags = null) => new(this, labels.ToTcpValues(responseFlags));

    internal RequestOutcomeSeries ResolveOutcome(string[] values) => new(this, values);

    internal CappedFamily<Counter.Child> Requests => _requests;
    internal CappedFamily<Histogram.Child> Duration => _duration;
    internal CappedFamily<Histogram.Child> RequestBytes => _requestBytes;
    internal CappedFamily<Histogram.Child> ResponseBytes => _responseBytes;
    internal CappedFamily<Counter.Child> TcpOpened => _tcpOpened;
    internal CappedFamily<Counter.Child> TcpClosed => _tcpClosed;
    internal CappedFamily<Counter.Child> TcpSent => _tcpSent;
    internal CappedFamily<Counter.Child> TcpReceived => _tcpReceived;
}
