namespace Mesh.Proxy.Listeners;

/// <summary>
/// The bounds every listener puts on its connections: how many may be open at once, how long each stage before
/// and between requests may take, and how long a request may carry nothing. Defaults are Envoy's where Envoy has one; docs/proxy.md ("Limits") says why each.
/// </summary>
internal sealed record ListenerLimits
{
    /// <summary>Envoy's edge-proxy guide caps each listener at 10,000 connections (Envoy itself sets no cap).</summary>
    public const int DefaultMaxConnections = 10_000;

    /// <summary>Envoy's <c>listener_filters_timeout</c>: the first bytes (h2c preface, TLS record, ClientHello) must arrive within it.</summary>
    public static readonly TimeSpan DefaultListenerFiltersTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Kestrel's handshake timeout (Envoy sets none of its own).</summary>
    public static readonly TimeSpan DefaultTlsHandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Kestrel's request headers timeout (Envoy's <c>request_headers_timeout</c> is off unless configured).</summary>
    public static readonly TimeSpan DefaultRequestHeadersTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Envoy's HTTP <c>idle_timeout</c>: a connection with no request in flight is closed after it (TLS passthrough: no bytes either way).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromHours(1);

    /// <summary>
    /// Envoy's <c>stream_idle_timeout</c> (5 minutes there; 10 here, YARP's activity timeout as the proxy always had it):
    /// a forwarded request, or the connection an upgrade opened, that carries nothing either way for this long is ended.
    /// </summary>
    public static readonly TimeSpan DefaultStreamIdleTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Istio's <c>terminationDrainDuration</c> (ProxyConfig, and the <c>proxy.istio.io/config</c> annotation): on SIGTERM,
    /// how long requests in flight may take to finish before the connections still open are cut.
    /// </summary>
    public static readonly TimeSpan DefaultTerminationDrainDuration = TimeSpan.FromSeconds(5);

    /// <summary>Connections open at once on one listener; past it a new connection is closed at once. 0: no cap.</summary>
    public int MaxConnections { get; init; } = DefaultMaxConnections;

    public TimeSpan ListenerFiltersTimeout { get; init; } = DefaultListenerFiltersTimeout;

    /// <summary>
    /// How long an AUTO port waits for the client's first byte before it takes the connection for TCP (Istio's
    /// protocolDetectionTimeout): a server-first protocol's client sends nothing until the server speaks.
    /// </summary>
    public TimeSpan ProtocolDetectionTimeout { get; init; } = ProtocolSniffing.DefaultDetectionTimeout;

    public TimeSpan TlsHandshakeTimeout { get; init; } = DefaultTlsHandshakeTimeout;

    public TimeSpan RequestHeadersTimeout { get; init; } = DefaultRequestHeadersTimeout;

    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>The one timeout that still applies once an upgrade is accepted; the route's stop there.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = DefaultStreamIdleTimeout;

    /// <summary>Zero: no drain; the proxy cuts every connection and exits at once.</summary>
    public TimeSpan TerminationDrainDuration { get; init; } = DefaultTerminationDrainDuration;
}
