using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The standard TCP metrics of one edge: connections opened and closed, bytes sent and received.</summary>
internal sealed class TcpEdge
{
    private readonly Counter.Child _opened;
    private readonly Counter.Child _closed;
    private readonly Counter.Child _sent;
    private readonly Counter.Child _received;

    internal TcpEdge(Counter.Child opened, Counter.Child closed, Counter.Child sent, Counter.Child received)
    {
        _opened = opened;
        _closed = closed;
        _sent = sent;
        _received = received;
    }

    public void ConnectionOpened() => _opened.Inc();

    public void ConnectionClosed() => _closed.Inc();

    /// <summary>Bytes sent back to the downstream peer (Istio: "sent during response").</summary>
    public void AddSentBytes(long bytes) => _sent.Inc(bytes);

    /// <summary>Bytes received from the downstream peer (Istio: "received during request").</summary>
    public void AddReceivedBytes(long bytes) => _received.Inc(bytes);
}
