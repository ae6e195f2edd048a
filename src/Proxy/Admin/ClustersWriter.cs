using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Admin;

/// <summary>
/// Envoy's <c>/clusters</c>: per cluster its circuit-breaker thresholds, per endpoint its health flags (ejected by
/// outlier detection: <c>/failed_outlier_check</c>) and request counters, in Envoy's text shape or as JSON.
/// </summary>
internal static class ClustersWriter
{
    /// <summary>Istio's default for every threshold it leaves unset: no limit.</summary>
    private const uint Unlimited = uint.MaxValue;

    public static string Text(ProxySnapshot snapshot)
    {
        var text = new StringBuilder();
        foreach (var cluster in Sorted(snapshot))
        {
            var name = cluster.Name;
            var limits = cluster.Limits;
            Line(text, name, "default_priority::max_connections", limits?.MaxConnections ?? Unlimited);
            Line(text, name, "default_priority::max_pending_requests", limits?.MaxPendingRequests ?? Unlimited);
            Line(text, name, "default_priority::max_requests", limits?.MaxRequests ?? Unlimited);
            Line(text, name, "default_priority::max_retries", limits?.MaxRetries ?? Unlimited);
            if (limits is not null)
            {
                // Envoy's remaining_* gauges (Istio sets track_remaining): what is left before the breaker opens.
                Line(text, name, "default_priority::remaining_rq", Math.Max(0, limits.MaxInFlight - cluster.State.ActiveRequests));
                Line(text, name, "default_priority::remaining_retries", Math.Max(0, (long)limits.RetryLimit(cluster.State.ActiveRequests) - cluster.State.ActiveRetries));
            }

            Line(text, name, "added_via_api", "true");
            // Istio disables Envoy's success-rate detection: -1, as Envoy shows a rate it does not compute.
            Line(text, name, "outlier::success_rate_average", -1);
            Line(text, name, "outlier::success_rate_ejection_threshold", -1);
            Line(text, name, "outlier::local_origin_success_rate_average", -1);
            Line(text, name, "outlier::local_origin_success_rate_ejection_threshold", -1);
            var detecting = cluster.Outlier is not null;
            foreach (var endpoint in cluster.Endpoints)
            {
                var host = $"{name}::{endpoint.Key}";
                Line(text, host, "rq_active", endpoint.State.ActiveRequests);
                if (detecting)
                {
                    Line(text, host, "rq_error", endpoint.State.Outlier.Errors);
                    Line(text, host, "rq_total", endpoint.State.Outlier.Requests);
                }

                Line(text, host, "health_flags", HealthFlags(cluster, endpoint));
                Line(text, host, "weight", endpoint.Config.Weight == 0 ? 1 : endpoint.Config.Weight);
                Line(text, host, "success_rate", -1);
                Line(text, host, "local_origin_success_rate", -1);
            }
        }

        return text.ToString();
    }

    public static void Json(Utf8JsonWriter writer, ProxySnapshot snapshot)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("cluster_statuses");
        foreach (var cluster in Sorted(snapshot))
        {
            var limits = cluster.Limits;
            writer.WriteStartObject();
            writer.WriteString("name", cluster.Name);
            writer.WriteBoolean("added_via_api", true);
            writer.WriteStartObject("circuit_breakers");
            writer.WriteStartArray("thresholds");
            writer.WriteStartObject();
            writer.WriteString("priority", "DEFAULT");
            writer.WriteNumber("max_connections", limits?.MaxConnections ?? Unlimited);
            writer.WriteNumber("max_pending_requests", limits?.MaxPendingRequests ?? Unlimited);
            writer.WriteNumber("max_requests", limits?.MaxRequests ?? Unlimited);
            writer.WriteNumber("max_retries", limits?.MaxRetries ?? Unlimited);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartArray("host_statuses");
            foreach (var endpoint in cluster.Endpoints)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("address");
                writer.WriteStartObject("socket_address");
                writer.WriteString("address", endpoint.Config.Address);
                writer.WriteNumber("port_value", endpoint.Config.Port);
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteStartObject("stats");
                writer.WriteNumber("rq_active", endpoint.State.ActiveRequests);
                if (cluster.Outlier is not null)
                {
                    writer.WriteNumber("rq_error", endpoint.State.Outlier.Errors);
                    writer.WriteNumber("rq_total", endpoint.State.Outlier.Requests);
                }

                writer.WriteEndObject();
                writer.WriteStartObject("health_status");
                writer.WriteBoolean("failed_outlier_check", IsEjected(cluster, endpoint));
                writer.WriteString("eds_health_status", "HEALTHY");
                writer.WriteEndObject();
                writer.WriteNumber("weight", endpoint.Config.Weight == 0 ? 1 : endpoint.Config.Weight);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static bool IsEjected(ClusterModel cluster, EndpointModel endpoint) => cluster.Outlier is not null && endpoint.State.Outlier.IsEjected;

    private static string HealthFlags(ClusterModel cluster, EndpointModel endpoint) => IsEjected(cluster, endpoint) ? "/failed_outlier_check" : "healthy";

    private static List<ClusterModel> Sorted(ProxySnapshot snapshot)
    {
        var clusters = new List<ClusterModel>(snapshot.Clusters.Values);
        clusters.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        return clusters;
    }

    private static void Line(StringBuilder text, string prefix, string key, long value) =>
        Line(text, prefix, key, value.ToString(CultureInfo.InvariantCulture));

    private static void Line(StringBuilder text, string prefix, string key, string value) =>
        text.Append(prefix).Append("::").Append(key).Append("::").Append(value).Append('\n');
}
