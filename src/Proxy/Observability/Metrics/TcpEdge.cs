
namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The standard TCP metrics of one edge: connections opened and closed, bytes sent and received.</summary>
internal sealed class TcpEdge
{
    private readonly Counter _opened;
    private readonly Counter _closed;
    private readonly Counter _sent;
    private readonly Counter _received;

    internal TcpEdge(Counter opened, Counter closed, Counter sent, Counter received)
    {
        _opened = opened;
        _closed = closed;
        _sent = sent;
        _received = received;
    }

    public void ConnectionOpened() => _opened.Increment();

    public void ConnectionClosed() => _closed.Increment();

    /// <summary>Bytes sent back to the downstream peer (Istio: "sent during response").</summary>
    public void AddSentBytes(long bytes) => _sent.Add(bytes);

    /// <summary>Bytes received from the downstream peer (Istio: "received during request").</summary>
    public void AddReceivedBytes(long bytes) => _received.Add(bytes);
}
