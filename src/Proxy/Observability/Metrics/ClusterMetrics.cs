using System.Collections.Concurrent;
using Mesh.Proxy.Model;
using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// Envoy's per-cluster circuit-breaking and outlier-detection statistics, under Envoy's Prometheus names and its
/// <c>cluster_name</c> label, so that dashboards made for Envoy read them. One series per cluster that has the policy.
/// </summary>
internal sealed class ClusterMetrics
{
    private const string ClusterLabel = "cluster_name";

    private readonly Counter _pendingOverflow;
    private readonly Counter _retryOverflow;
    private readonly Gauge _ejectionsActive;
    private readonly Counter _ejectionsEnforced;
    private readonly Counter _ejectionsEnforced5xx;
    private readonly Counter _ejectionsEnforcedGateway;
    private readonly Counter _ejectionsEnforcedLocalOrigin;
    private readonly Counter _ejectionsOverflow;
    private readonly ConcurrentDictionary<string, Gauge.Child> _activeByCluster = new(StringComparer.Ordinal);

    public ClusterMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _pendingOverflow = factory.CreateCounter("envoy_cluster_upstream_rq_pending_overflow",
            "Requests that overflowed the cluster's connection-pool or request circuit breaker and were answered 503 (UO).", ClusterLabel);
        _retryOverflow = factory.CreateCounter("envoy_cluster_upstream_rq_retry_overflow",
            "Retries not made because the cluster's max_retries circuit breaker was full.", ClusterLabel);
        _ejectionsActive = factory.CreateGauge("envoy_cluster_outlier_detection_ejections_active",
            "Endpoints of the cluster ejected by outlier detection now.", ClusterLabel);
        _ejectionsEnforced = factory.CreateCounter("envoy_cluster_outlier_detection_ejections_enforced_total",
            "Ejections made by outlier detection, of any type.", ClusterLabel);
        _ejectionsEnforced5xx = factory.CreateCounter("envoy_cluster_outlier_detection_ejections_enforced_consecutive_5xx",
            "Ejections for consecutive 5xx.", ClusterLabel);
        _ejectionsEnforcedGateway = factory.CreateCounter("envoy_cluster_outlier_detection_ejections_enforced_consecutive_gateway_failure",
            "Ejections for consecutive gateway failures (502, 503, 504).", ClusterLabel);
        _ejectionsEnforcedLocalOrigin = factory.CreateCounter("envoy_cluster_outlier_detection_ejections_enforced_consecutive_local_origin_failure",
            "Ejections for consecutive local-origin failures (connect failures, resets, timeouts).", ClusterLabel);
        _ejectionsOverflow = factory.CreateCounter("envoy_cluster_outlier_detection_ejections_overflow",
            "Ejections refused because max_ejection_percent of the cluster's endpoints were already ejected.", ClusterLabel);
    }

    public void PendingOverflow(string cluster) => _pendingOverflow.WithLabels(cluster).Inc();

    public void RetryOverflow(string cluster) => _retryOverflow.WithLabels(cluster).Inc();

    public void Ejected(string cluster, EjectionType type)
    {
        _ejectionsEnforced.WithLabels(cluster).Inc();
        var byType = type switch
        {
            EjectionType.Consecutive5xx => _ejectionsEnforced5xx,
            EjectionType.ConsecutiveGatewayFailure => _ejectionsEnforcedGateway,
            _ => _ejectionsEnforcedLocalOrigin,
        };
        byType.WithLabels(cluster).Inc();
    }

    public void EjectionOverflow(string cluster) => _ejectionsOverflow.WithLabels(cluster).Inc();

    public void SetEjectionsActive(string cluster, int count) =>
        _activeByCluster.GetOrAdd(cluster, static (name, gauge) => gauge.WithLabels(name), _ejectionsActive).Set(count);
}
