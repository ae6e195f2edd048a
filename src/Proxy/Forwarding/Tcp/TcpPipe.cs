using System.IO.Pipelines;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Forwarding.Tcp;

/// <summary>
/// Copies the bytes of one connection both ways until both directions are done. The downstream's FIN is passed on
/// (the upstream may still answer); the upstream's FIN ends the connection once its bytes are delivered (Kestrel's
/// transports close the socket when the application completes its output: they cannot half-close the downstream).
/// A reset or error on either side, nothing carried either way for the idle timeout, or the connection's maximum
/// duration, ends both. Buffers are bounded
/// by the connection's pipes (Kestrel stops reading from a peer whose bytes are not taken); nothing is allocated per
/// chunk: upstream bytes are read straight into the output pipe's memory. Bytes are counted as they pass.
/// </summary>
internal sealed class TcpPipe : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _idleTimeout;
    private readonly TcpEdge _edge;
    private readonly MetricsPolicy? _metrics;
    private readonly ITimer? _idleTimer;
    private readonly ITimer? _durationTimer;
    private long _lastActivity;
    private long _received;
    private long _sent;
    private int _idleTimedOut;

    /// <param name="idleTimeout">Envoy's tcp_proxy idle_timeout; zero or less: none.</param>
    /// <param name="maxDuration">Envoy's tcp_proxy max_downstream_connection_duration; zero or less: none.</param>
    /// <param name="metrics">What the listener's Telemetry says of the byte counters; null: counted, labels whole.</param>
    public TcpPipe(TimeSpan idleTimeout, TimeSpan maxDuration, TimeProvider time, TcpEdge edge, MetricsPolicy? metrics = null)
    {
        _metrics = metrics;
        _time = time;
        _idleTimeout = idleTimeout;
        _edge = edge;
        _lastActivity = time.GetTimestamp();
        if (idleTimeout > TimeSpan.Zero)
        {
            _idleTimer = time.CreateTimer(static state => ((TcpPipe)state!).OnIdleTimer(), this, idleTimeout, Timeout.InfiniteTimeSpan);
        }

        if (maxDuration > TimeSpan.Zero)
        {
            _durationTimer = time.CreateTimer(static state => ((TcpPipe)state!).Stop(), this, maxDuration, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Bytes from the downstream, sent upstream (Istio's "received during request").</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Bytes from the upstream, sent downstream (Istio's "sent during response").</summary>
    public long Sent => Volatile.Read(ref _sent);

    public bool IdleTimedOut => Volatile.Read(ref _idleTimedOut) == 1;

    public async Task RunAsync(IDuplexPipe downstream, TcpUpstream upstream)
    {
        var toUpstream = ToUpstreamAsync(downstream.Input, upstream);
        var toDownstream = ToDownstreamAsync(upstream.Stream, downstream.Output);
        var first = await Task.WhenAny(toUpstream, toDownstream);
        if (first == toDownstream || !first.Result)
        {
            // The upstream closed (its bytes are delivered), or a side failed: nothing more goes either way.
            await _stop.CancelAsync();
        }

        await Task.WhenAll(toUpstream, toDownstream);
    }

    public void Dispose()
    {
        _idleTimer?.Dispose();
        _durationTimer?.Dispose();
        _stop.Dispose();
    }

    /// <summary>True when the downstream's FIN was passed on; false when the connection failed or was stopped.</summary>
    private async Task<bool> ToUpstreamAsync(PipeReader input, TcpUpstream upstream)
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(token);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await upstream.Stream.WriteAsync(segment, token);
                }

                if (!buffer.IsEmpty)
                {
                    Carried(ref _received, buffer.Length);
                    _edge.AddReceivedBytes(buffer.Length, _metrics);
                }

                input.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    await upstream.ShutdownSendAsync();
                    return true;
                }

                if (result.IsCanceled)
                {
                    return false;
                }
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            return false;
        }
    }

    /// <summary>True when the upstream's FIN ended the stream; false when the connection failed or was stopped.</summary>
    private async Task<bool> ToDownstreamAsync(Stream upstream, PipeWriter output)
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                var read = await upstream.ReadAsync(output.GetMemory(), token);
                if (read == 0)
                {
                    await output.CompleteAsync();
                    return true;
                }

                output.Advance(read);
                Carried(ref _sent, read);
                _edge.AddSentBytes(read, _metrics);
                var flush = await output.FlushAsync(token);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return false;
                }
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            return false;
        }
    }

    private void Carried(ref long total, long bytes)
    {
        Interlocked.Add(ref total, bytes);
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
    }

    // Fires once per idle timeout at most: when bytes moved since it was armed, it waits out the rest from the last ones.
    private void OnIdleTimer()
    {
        try
        {
            var idle = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
            if (idle < _idleTimeout)
            {
                _idleTimer?.Change(_idleTimeout - idle, Timeout.InfiniteTimeSpan);
                return;
            }

            Volatile.Write(ref _idleTimedOut, 1);
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended as the timer fired.
        }
    }

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended as the timer fired.
        }
    }

    // A peer reset or gone (IOException, ConnectionResetException among them; SocketException), Kestrel's abort (ConnectionAbortedException is an
    // OperationCanceledException), our own stop, or a stream already disposed by the other direction's end.
    private static bool IsConnectionEnd(Exception ex) =>
        ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException;
}
