using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The standard TCP metrics of one edge: connections opened and closed, bytes sent and received. Each series is made
/// on its first record, so one a Telemetry turned off never shows, and made again under a changed <see cref="MetricsPolicy"/>.
/// </summary>
internal sealed class TcpEdge(IstioStandardMetrics metrics, string[] values)
{
    private MetricsPolicy? _policy;
    private Counter.Child? _opened;
    private Counter.Child? _closed;
    private Counter.Child? _sent;
    private Counter.Child? _received;

    public void ConnectionOpened(MetricsPolicy? policy = null)
    {
        if (Under(policy, StandardMetrics.TcpOpenedConnections)) (_opened ??= Child(metrics.TcpOpened, StandardMetrics.TcpOpenedConnections)).Inc();
    }

    public void ConnectionClosed(MetricsPolicy? policy = null)
    {
        if (Under(policy, StandardMetrics.TcpClosedConnections)) (_closed ??= Child(metrics.TcpClosed, StandardMetrics.TcpClosedConnections)).Inc();
    }

    /// <summary>Bytes sent back to the downstream peer (Istio: "sent during response").</summary>
    public void AddSentBytes(long bytes, MetricsPolicy? policy = null)
    {
        if (Under(policy, StandardMetrics.TcpSentBytes)) (_sent ??= Child(metrics.TcpSent, StandardMetrics.TcpSentBytes)).Inc(bytes);
    }

    /// <summary>Bytes received from the downstream peer (Istio: "received during request").</summary>
    public void AddReceivedBytes(long bytes, MetricsPolicy? policy = null)
    {
        if (Under(policy, StandardMetrics.TcpReceivedBytes)) (_received ??= Child(metrics.TcpReceived, StandardMetrics.TcpReceivedBytes)).Inc(bytes);
    }

    /// <summary>Whether the metric is recorded; first forgets the series made under another policy.</summary>
    private bool Under(MetricsPolicy? policy, StandardMetrics metric)
    {
        if (!ReferenceEquals(policy, _policy))
        {
            (_opened, _closed, _sent, _received, _policy) = (null, null, null, null, policy);
        }

        return MetricsPolicy.Records(policy, metric);
    }

    private Counter.Child Child(CappedFamily<Counter.Child> family, StandardMetrics metric) => family.WithLabels(MetricsPolicy.Labels(_policy, metric, values));
}
