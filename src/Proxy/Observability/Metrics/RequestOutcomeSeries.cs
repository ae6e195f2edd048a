using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The four standard request series of one edge and one response outcome. Each series is made on its first record,
/// so a metric a Telemetry turned off never shows, not even at zero.
/// </summary>
internal sealed class RequestOutcomeSeries(IstioStandardMetrics metrics, string[] values)
{
    private Counter.Child? _requests;
    private Histogram.Child? _duration;
    private Histogram.Child? _requestBytes;
    private Histogram.Child? _responseBytes;

    public void Record(double durationMilliseconds, long requestBodyBytes, long responseBodyBytes, StandardMetrics disabled)
    {
        // A race makes the same child twice: prometheus-net hands out one child per label set.
        if ((disabled & StandardMetrics.RequestCount) == 0) (_requests ??= metrics.Requests.WithLabels(values)).Inc();
        if ((disabled & StandardMetrics.RequestDuration) == 0) (_duration ??= metrics.Duration.WithLabels(values)).Observe(durationMilliseconds);
        if ((disabled & StandardMetrics.RequestSize) == 0) (_requestBytes ??= metrics.RequestBytes.WithLabels(values)).Observe(requestBodyBytes);
        if ((disabled & StandardMetrics.ResponseSize) == 0) (_responseBytes ??= metrics.ResponseBytes.WithLabels(values)).Observe(responseBodyBytes);
    }
}
