using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>
/// Envoy's circuit-breaker thresholds of one cluster (default priority), from DestinationRule connectionPool and
/// retryBudget. Each is <see cref="uint.MaxValue"/> when unset, Istio's default. Compiled only for a cluster that sets
/// one: a cluster without has none and pays nothing.
/// </summary>
internal sealed class CircuitBreakerThresholds
{
    private readonly RetryBudget? _retryBudget;

    private CircuitBreakerThresholds(ConnectionPool pool, bool http2, RetryBudget? retryBudget)
    {
        _retryBudget = retryBudget;
        MaxConnections = OrUnlimited(pool.MaxConnections);
        MaxPendingRequests = OrUnlimited(pool.MaxPendingRequests);
        MaxRequests = OrUnlimited(pool.MaxRequests);
        MaxRetries = OrUnlimited(pool.MaxRetries);

        // An HTTP/1.1 connection carries one request at a time: once max_connections are busy, further requests wait
        // for one (Envoy's pending requests), and past max_pending_requests of them Envoy fails the request. HTTP/2
        // multiplexes onto the connections it has, so only max_requests bounds it.
        var admitted = http2 ? MaxRequests : Math.Min(MaxRequests, (long)MaxConnections + MaxPendingRequests);
        MaxInFlight = (int)Math.Min(admitted, int.MaxValue);
    }

    public uint MaxConnections { get; }

    public uint MaxPendingRequests { get; }

    public uint MaxRequests { get; }

    public uint MaxRetries { get; }

    /// <summary>The most requests in flight to the cluster at once; one more overflows (503, UO).</summary>
    public int MaxInFlight { get; }

    /// <summary>
    /// The retries that may be outstanding at once: with a retry budget, its share of <paramref name="activeRequests"/>
    /// and at least its floor (max_retries is then not used, as in Envoy); otherwise max_retries.
    /// </summary>
    public uint RetryLimit(int activeRequests) => _retryBudget is { } budget
        ? Math.Max(budget.MinRetryConcurrency, (uint)(budget.Percent / 100 * Math.Max(0, activeRequests)))
        : MaxRetries;

    /// <summary>Null when the cluster sets no request or retry limit, so the data path skips circuit breaking.</summary>
    public static CircuitBreakerThresholds? From(ConnectionPool? pool, bool http2, RetryBudget? retryBudget) =>
        pool is { MaxConnections: 0, MaxPendingRequests: 0, MaxRequests: 0, MaxRetries: 0 } or null && retryBudget is null
            ? null
            : new CircuitBreakerThresholds(pool ?? new ConnectionPool(), http2, retryBudget);

    private static uint OrUnlimited(uint value) => value == 0 ? uint.MaxValue : value;
}
