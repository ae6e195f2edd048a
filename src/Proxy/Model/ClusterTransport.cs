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

    /// <summary>How long an unused connection stays pooled when connectionPool sets no idleTimeout (Istio's default is 1 h).</summary>
    private static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _timeProvider;
    private int _inFlight;
    private int _state; // 0 live, 1 retired, 2 grace over (dispose when drained), 3 disposed
    private ITimer? _graceTimer;

    /// <param name="pool">DestinationRule connectionPool: its connection options shape the handler; null: the defaults.</param>
    /// <param name="connect">The connect callback (TLS origination, keep-alive probes); null: the handler's own.</param>
    public ClusterTransport(UpstreamProtocol protocol, TimeSpan connectTimeout, TimeProvider timeProvider, UpstreamTls? tls = null,
        Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null, ConnectionPool? pool = null)
    {
        Protocol = protocol;
        ConnectTimeout = connectTimeout;
        Tls = tls;
        Pool = pool;
        _timeProvider = timeProvider;
        var handler = CreateHandler(connectTimeout, pool);
        if (connect is not null)
        {
            // TLS origination (the cluster's TLS connector): the handler then sees the TLS stream as plaintext.
            handler.ConnectCallback = connect;
        }

        // maxRequestsPerConnection 1 is Istio's way to turn keep-alive off: each HTTP/1.1 request asks the upstream to
        // close its connection after the response, so no connection carries a second request.
        HttpMessageHandler pipeline = pool?.MaxRequestsPerConnection == 1 ? new ConnectionCloseHandler(handler) : handler;
        Invoker = new HttpMessageInvoker(pipeline, disposeHandler: true);
    }

    public UpstreamProtocol Protocol { get; }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>The TLS settings the connections are made with; null for plaintext.</summary>
    public UpstreamTls? Tls { get; }

    /// <summary>The connectionPool settings the handler was made with; null for the defaults.</summary>
    public ConnectionPool? Pool { get; }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>Opens the cluster's TLS connections (the handler's, and opaque TCP's); null for a plaintext cluster.</summary>
    public Configuration.ClusterTlsConnector? TlsConnector { get; init; }

    public bool IsDisposed => Volatile.Read(ref _state) == 3;

    public bool HasSameSettings(UpstreamProtocol protocol, TimeSpan connectTimeout, UpstreamTls? tls, ConnectionPool? pool) =>
        Protocol == protocol && ConnectTimeout == connectTimeout && Equals(Tls, tls) && SameConnectionOptions(Pool, pool);

    // Only what shapes the handler: a change of circuit-breaker thresholds keeps the pool and its connections.
    private static bool SameConnectionOptions(ConnectionPool? a, ConnectionPool? b) =>
        (a?.MaxConnections ?? 0) == (b?.MaxConnections ?? 0)
        && (a?.HasIdleTimeoutMs ?? false) == (b?.HasIdleTimeoutMs ?? false) && (a?.IdleTimeoutMs ?? 0) == (b?.IdleTimeoutMs ?? 0)
        && (a?.MaxConnectionDurationMs ?? 0) == (b?.MaxConnectionDurationMs ?? 0)
        && (a?.MaxRequestsPerConnection == 1) == (b?.MaxRequestsPerConnection == 1)
        && Equals(a?.TcpKeepalive, b?.TcpKeepalive)
        && Equals(a?.Http2Keepalive, b?.Http2Keepalive)
        && (a?.MaxConcurrentStreams ?? 0) == (b?.MaxConcurrentStreams ?? 0);

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
    // connectionPool's connection options map onto the handler's own: see docs/proxy.md for how each differs from Envoy.
    private static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, ConnectionPool? pool)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = null,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = DefaultIdleTimeout,
        };
        if (pool is null)
        {
            return handler;
        }

        if (pool.MaxConnections > 0)
        {
            // Per endpoint: the handler keeps one pool per address. Envoy's max_connections counts the whole cluster.
            handler.MaxConnectionsPerServer = (int)Math.Min(pool.MaxConnections, int.MaxValue);
        }

        if (pool.HasIdleTimeoutMs)
        {
            handler.PooledConnectionIdleTimeout = pool.IdleTimeoutMs == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(pool.IdleTimeoutMs);
        }

        if (pool.Http2Keepalive is { IntervalMs: > 0 } keepalive)
        {
            // Envoy pings every interval; the handler pings once no frame has come for that long, which proves the
            // connection alive just as well. The handler takes 1 s at the least for both.
            handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
            handler.KeepAlivePingDelay = AtLeastOneSecond(keepalive.IntervalMs);
            if (keepalive.TimeoutMs > 0)
            {
                handler.KeepAlivePingTimeout = AtLeastOneSecond(keepalive.TimeoutMs);
            }
        }

        if (pool.MaxConnectionDurationMs > 0)
        {
            // Envoy drains a connection once it is this old; the handler stops reusing it and closes it when it is idle.
            handler.PooledConnectionLifetime = TimeSpan.FromMilliseconds(pool.MaxConnectionDurationMs);
        }

        return handler;
    }

    private static TimeSpan AtLeastOneSecond(uint milliseconds) => TimeSpan.FromMilliseconds(Math.Max(1000, milliseconds));

    /// <summary>Marks each request "Connection: close": maxRequestsPerConnection 1.</summary>
    private sealed class ConnectionCloseHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.ConnectionClose = true;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
