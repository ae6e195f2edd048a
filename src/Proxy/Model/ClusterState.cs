namespace Mesh.Proxy.Model;

/// <summary>
/// The live state of one cluster, kept across snapshots for as long as the cluster's name exists: the round-robin
/// cursor, the circuit breakers' counters, the outlier detector, and each address's <see cref="EndpointState"/>.
/// </summary>
internal sealed class ClusterState
{
    private int _roundRobin = -1;
    private int _activeRequests;
    private int _activeRetries;
    private int _activeConnections;
    private OutlierDetector? _outlier;

    /// <summary>The next turn of round-robin balancing (wraps around).</summary>
    public uint NextTurn() => (uint)Interlocked.Increment(ref _roundRobin);

    /// <summary>Requests in flight to the cluster; counted only while it has circuit-breaker thresholds.</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>Retries waiting out their back-off (Envoy's active retries); counted only while the cluster has thresholds.</summary>
    public int ActiveRetries => Volatile.Read(ref _activeRetries);

    /// <summary>The cluster's outlier detector while its config has outlier detection; null otherwise.</summary>
    public OutlierDetector? Outlier
    {
        get => Volatile.Read(ref _outlier);
        set => Volatile.Write(ref _outlier, value);
    }

    /// <summary>Envoy's check-then-count without a lock: admits the request unless <paramref name="maxInFlight"/> are already in flight.</summary>
    public bool TryStartRequest(int maxInFlight)
    {
        if (Interlocked.Increment(ref _activeRequests) <= maxInFlight)
        {
            return true;
        }

        Interlocked.Decrement(ref _activeRequests);
        return false;
    }

    public void EndRequest() => Interlocked.Decrement(ref _activeRequests);

    /// <summary>Opaque TCP connections open to the cluster; counted only while it has circuit-breaker thresholds.</summary>
    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Envoy's max_connections for tcp_proxy: admits the connection unless <paramref name="maxConnections"/> are already open.</summary>
    public bool TryStartConnection(uint maxConnections)
    {
        if ((uint)Interlocked.Increment(ref _activeConnections) <= maxConnections)
        {
            return true;
        }

        Interlocked.Decrement(ref _activeConnections);
        return false;
    }

    public void EndConnection() => Interlocked.Decrement(ref _activeConnections);

    public bool HasRetryCapacity(uint maxRetries) => (uint)Volatile.Read(ref _activeRetries) < maxRetries;

    public void StartRetry() => Interlocked.Increment(ref _activeRetries);

    public void EndRetry() => Interlocked.Decrement(ref _activeRetries);
}
