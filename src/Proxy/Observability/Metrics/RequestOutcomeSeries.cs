using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The four standard request series of one edge and one response outcome. Each series is made on its first record,
/// so a metric a Telemetry turned off never shows, not even at zero; they are made again when the listener's
/// <see cref="MetricsPolicy"/> changes (its labels may differ).
/// </summary>
internal sealed class RequestOutcomeSeries(IstioStandardMetrics metrics, string[] values)
{
    private MetricsPolicy? _policy;
    private Counter.Child? _requests;
    private Histogram.Child? _duration;
    private Histogram.Child? _requestBytes;
    private Histogram.Child? _responseBytes;

    public void Record(double durationMilliseconds, long requestBodyBytes, long responseBodyBytes, MetricsPolicy? policy)
    {
        if (!ReferenceEquals(policy, _policy))
        {
            // A Telemetry change: the next record of each series makes it under the new policy.
            (_requests, _duration, _requestBytes, _responseBytes, _policy) = (null, null, null, null, policy);
        }

        // A race makes the same child twice: prometheus-net hands out one child per label set.
        if (MetricsPolicy.Records(policy, StandardMetrics.RequestCount))
        {
            (_requests ??= metrics.Requests.WithLabels(MetricsPolicy.Labels(policy, StandardMetrics.RequestCount, values))).Inc();
        }

        if (MetricsPolicy.Records(policy, StandardMetrics.RequestDuration))
        {
            (_duration ??= metrics.Duration.WithLabels(MetricsPolicy.Labels(policy, StandardMetrics.RequestDuration, values))).Observe(durationMilliseconds);
        }

        if (MetricsPolicy.Records(policy, StandardMetrics.RequestSize))
        {
            (_requestBytes ??= metrics.RequestBytes.WithLabels(MetricsPolicy.Labels(policy, StandardMetrics.RequestSize, values))).Observe(requestBodyBytes);
        }

        if (MetricsPolicy.Records(policy, StandardMetrics.ResponseSize))
        {
            (_responseBytes ??= metrics.ResponseBytes.WithLabels(MetricsPolicy.Labels(policy, StandardMetrics.ResponseSize, values))).Observe(responseBodyBytes);
        }
    }
}
