using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Counts the connections open on one listener and caps them, as Envoy's per-listener connection limit does: a
/// connection past the cap is closed at once, before any of its bytes are read, and counted; the ones already open
/// carry on. The first middleware of every listener, so it covers every stage (sniffing, TLS, HTTP, passthrough
/// pipes). It logs once when the listener reaches its cap and once when it is back under it, never per connection.
/// </summary>
/// <param name="maxConnections">The cap; 0: none (connections are still counted).</param>
internal sealed class ListenerConnectionLimit(string listenerName, int maxConnections, Gauge.Child active, Counter.Child refused, ILogger logger)
{
    private int _open;
    private int _refusedInEpisode;
    // 1 while the listener is at its cap: the first refusal logs, the first connection to end below the cap logs again.
    private int _atCap;

    /// <summary>Connections open on the listener now, whatever their stage.</summary>
    public int Open => Volatile.Read(ref _open);

    public ConnectionDelegate Middleware(ConnectionDelegate next) => connection => HandleAsync(connection, next);

    private async Task HandleAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _open) > maxConnections && maxConnections > 0)
        {
            Interlocked.Decrement(ref _open);
            Refuse();
            // Returning without reading: Kestrel disposes the transport, which closes the socket.
            return;
        }

        active.Inc();
        try
        {
            await next(connection);
        }
        finally
        {
            if (Interlocked.Decrement(ref _open) < maxConnections && Volatile.Read(ref _atCap) == 1 && Interlocked.Exchange(ref _atCap, 0) == 1)
            {
                ListenerLog.BelowConnectionCap(logger, listenerName, maxConnections, Interlocked.Exchange(ref _refusedInEpisode, 0));
            }

            // The gauge last: whoever sees it fall finds the line that says the listener is below its cap again.
            active.Dec();
        }
    }

    private void Refuse()
    {
        refused.Inc();
        Interlocked.Increment(ref _refusedInEpisode);
        if (Volatile.Read(ref _atCap) == 0 && Interlocked.Exchange(ref _atCap, 1) == 0)
        {
            ListenerLog.AtConnectionCap(logger, listenerName, maxConnections);
        }
    }
}
