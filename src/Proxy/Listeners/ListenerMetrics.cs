using Mesh.Proxy.Observability.Metrics;
using Prometheus;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// The listeners' metrics in the proxy's registry: open connections, connections refused by the cap, and connections
/// closed because their first bytes did not arrive in time (Envoy's listener <c>downstream_cx_active</c>,
/// <c>downstream_cx_overflow</c> and <c>downstream_pre_cx_timeout</c>).
/// </summary>
internal sealed class ListenerMetrics(CappedMetricFactory metrics)
{
    public const string ActiveName = "mesh_listener_connections_active";
    public const string RefusedName = "mesh_listener_connections_refused_total";
    public const string PreConnectionTimeoutsName = "mesh_listener_pre_connection_timeouts_total";

    private readonly CappedFamily<Gauge.Child> _active = metrics.CreateGauge(
        ActiveName, "Connections open on the listener, in every stage (before TLS, in TLS, HTTP, TLS passthrough).", ["listener"]);

    private readonly CappedFamily<Counter.Child> _refused = metrics.CreateCounter(
        RefusedName, "Connections closed at once because their listener already had its maximum open.", ["listener"]);

    private readonly CappedFamily<Counter.Child> _preConnectionTimeouts = metrics.CreateCounter(
        PreConnectionTimeoutsName, "Connections closed because their first bytes (h2c preface, TLS record, ClientHello) did not arrive within the listener filters timeout.", ["listener"]);

    /// <summary>Kept by the listener, so that the connection path never looks a series up.</summary>
    public Gauge.Child Active(string listener) => _active.WithLabels(listener);

    public Counter.Child Refused(string listener) => _refused.WithLabels(listener);

    public Counter.Child PreConnectionTimeouts(string listener) => _preConnectionTimeouts.WithLabels(listener);
}
