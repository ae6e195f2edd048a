using System.Collections.Concurrent;
using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Our per-route family, beyond Istio's: requests, latency and retries per VirtualService route rule and subset,
/// so that a user can see which rule is slow or failing. Documented in docs/telemetry.md.
/// </summary>
internal sealed class RouteMetrics
{
    public const int DefaultMaxSeries = 2_000;

    internal static readonly string[] RouteLabelNames = ["reporter", "virtual_service", "virtual_service_namespace", "route", "destination_subset"];
    internal static readonly string[] RequestLabelNames = [.. RouteLabelNames, "response_code_class"];

    private readonly CappedFamily<Counter.Child> _requests;
    private readonly CappedFamily<Histogram.Child> _duration;
    private readonly CappedFamily<Counter.Child> _retries;
    private readonly ConcurrentDictionary<RouteLabels, RouteSeries> _routes = new();

    public RouteMetrics(CappedMetricFactory metrics, int maxSeries = DefaultMaxSeries)
    {
        _requests = metrics.CreateCounter(
            "mesh_route_requests_total", "Requests per route rule, destination subset and response code class.", RequestLabelNames, maxSeries);
        _duration = metrics.CreateHistogram(
            "mesh_route_request_duration_milliseconds", "Request duration per route rule and destination subset, in milliseconds.",
            RouteLabelNames, EnvoyHistogramBuckets.DefaultArray, maxSeries);
        _retries = metrics.CreateCounter(
            "mesh_route_retries_total", "Retried attempts per route rule and destination subset (the first attempt is not a retry).",
            RouteLabelNames, maxSeries);
    }

    /// <summary>The handle for one route; the same labels give the same handle. Keep it with the compiled route.</summary>
    public RouteSeries Resolve(RouteLabels labels) =>
        _routes.GetOrAdd(labels, static (key, metrics) => metrics.Create(key), this);

    private RouteSeries Create(RouteLabels labels)
    {
        string[] values =
        [
            IstioLabelValues.OrUnknown(labels.Reporter),
            IstioLabelValues.OrUnknown(labels.VirtualService),
            IstioLabelValues.OrUnknown(labels.VirtualServiceNamespace),
            IstioLabelValues.OrUnknown(labels.Route),
            IstioLabelValues.OrUnknown(labels.DestinationSubset),
        ];
        return new RouteSeries(_requests, values, _duration.WithLabels(values), _retries.WithLabels(values));
    }
}
