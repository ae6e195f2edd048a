using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The standard TCP metrics of one edge: connections opened and closed, bytes sent and received. Each series is made
/// on its first record, so one a Telemetry turned off never shows.
/// </summary>
internal sealed class TcpEdge(IstioStandardMetrics metrics, string[] values)
{
    private Counter.Child? _opened;
    private Counter.Child? _closed;
    private Counter.Child? _sent;
    private Counter.Child? _received;

    public void ConnectionOpened(StandardMetrics disabled = StandardMetrics.None)
    {
        if ((disabled & StandardMetrics.TcpOpenedConnections) == 0) (_opened ??= metrics.TcpOpened.WithLabels(values)).Inc();
    }

    public void ConnectionClosed(StandardMetrics disabled = StandardMetrics.None)
    {
        if ((disabled & StandardMetrics.TcpClosedConnections) == 0) (_closed ??= metrics.TcpClosed.WithLabels(values)).Inc();
    }

    /// <summary>Bytes sent back to the downstream peer (Istio: "sent during response").</summary>
    public void AddSentBytes(long bytes, StandardMetrics disabled = StandardMetrics.None)
    {
        if ((disabled & StandardMetrics.TcpSentBytes) == 0) (_sent ??= metrics.TcpSent.WithLabels(values)).Inc(bytes);
    }

    /// <summary>Bytes received from the downstream peer (Istio: "received during request").</summary>
    public void AddReceivedBytes(long bytes, StandardMetrics disabled = StandardMetrics.None)
    {
        if ((disabled & StandardMetrics.TcpReceivedBytes) == 0) (_received ??= metrics.TcpReceived.WithLabels(values)).Inc(bytes);
    }
}
