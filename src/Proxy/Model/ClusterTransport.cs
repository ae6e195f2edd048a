using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>
/// The connection pool of one cluster, shared by every snapshot while the cluster's connection settings stay the same.
/// A retired transport is disposed only once a grace period has passed and no request holds it, so a config change
/// never fails a request in flight.
/// </summary>
internal sealed class ClusterTransport : IDisposable
{
    /// <summary>Covers a request that read the old snapshot just before the swap but has not acquired the transport yet.</summary>
    private static readonly TimeSpan RetireGracePeriod = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _timeProvider;
    private int _inFlight;
    private int _state; // 0 live, 1 retired, 2 grace over (dispose when drained), 3 disposed
    private ITimer? _graceTimer;

    public ClusterTransport(UpstreamProtocol protocol, TimeSpan connectTimeout, TimeProvider timeProvider, UpstreamTls? tls = null,
        Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null)
    {
        Protocol = protocol;
        ConnectTimeout = connectTimeout;
        Tls = tls;
        _timeProvider = timeProvider;
        var handler = CreateHandler(connectTimeout);
        if (connect is not null)
        {
            // TLS origination (the cluster's TLS connector): the handler then sees the TLS stream as plaintext.
            handler.ConnectCallback = connect;
        }

        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public UpstreamProtocol Protocol { get; }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>The TLS settings the connections are made with; null for plaintext.</summary>
    public UpstreamTls? Tls { get; }

    public HttpMessageInvoker Invoker { get; }

    public bool IsDisposed => Volatile.Read(ref _state) == 3;

    public bool HasSameSettings(UpstreamProtocol protocol, TimeSpan connectTimeout, UpstreamTls? tls) =>
        Protocol == protocol && ConnectTimeout == connectTimeout && Equals(Tls, tls);

    public void Acquire() => Interlocked.Increment(ref _inFlight);

    public void Release()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _state) == 2)
        {
            DisposeOnce();
        }
    }

    /// <summary>No snapshot uses this transport any more: dispose it after the grace period once drained.</summary>
    public void Retire()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            return;
        }

        _graceTimer = _timeProvider.CreateTimer(static state => ((ClusterTransport)state!).OnGraceOver(), this, RetireGracePeriod, Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => DisposeOnce();

    private void OnGraceOver()
    {
        Interlocked.CompareExchange(ref _state, 2, 1);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            DisposeOnce();
        }
    }

    private void DisposeOnce()
    {
        if (Interlocked.Exchange(ref _state, 3) == 3)
        {
            return;
        }

        _graceTimer?.Dispose();
        Invoker.Dispose();
    }

    // Configured as YARP recommends for a forwarder's client: no proxy, no redirects, no decompression, no cookies.
    private static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = null,
        ConnectTimeout = connectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
    };
}
