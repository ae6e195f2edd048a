using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;
using Prometheus;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// The deadline of a listener's first stage, Envoy's <c>listener_filters_timeout</c>: whatever looks at a connection's
/// first bytes before TLS or HTTP (h2c preface detection, TLS sniffing, the passthrough ClientHello) must have them
/// within it, all stages together, or the connection is closed and counted. Cancellation sources are reused, so a
/// connection's deadline allocates nothing once the listener is warm.
/// </summary>
internal sealed class ListenerFilterDeadline(TimeSpan timeout, TimeProvider time, Counter.Child timeouts)
{
    // Bounded by the connections sniffing at once; a source whose deadline fired cannot be reset and is not kept.
    private readonly ConcurrentQueue<CancellationTokenSource> _free = new();

    public TimeSpan Timeout => timeout;

    /// <summary>Starts a connection's deadline; hand the source back with <see cref="End"/> once its first bytes are in.</summary>
    public CancellationTokenSource Start() => Start(timeout);

    /// <summary>
    /// Starts a deadline shorter than the listener's (protocol sniffing's wait for a first byte); once the byte is in,
    /// <see cref="Extend"/> gives the rest of the look the listener's own.
    /// </summary>
    public CancellationTokenSource Start(TimeSpan firstTimeout)
    {
        if (!_free.TryDequeue(out var source))
        {
            source = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, time);
        }

        source.CancelAfter(firstTimeout);
        return source;
    }

    /// <summary>Restarts a running deadline with the listener's timeout; no effect once it fired.</summary>
    public void Extend(CancellationTokenSource source) => source.CancelAfter(timeout);

    public void End(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            _free.Enqueue(source);
        }
        else
        {
            source.Dispose();
        }
    }

    /// <summary>Closes a connection whose first bytes did not arrive in time; counted, not logged (a flood of them would flood the log).</summary>
    public void Expired(ConnectionContext connection)
    {
        timeouts.Inc();
        connection.Abort(new ConnectionAbortedException($"no data within the listener filters timeout ({timeout.TotalSeconds:0.###} s)"));
    }
}
