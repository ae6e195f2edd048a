namespace Mesh.Proxy.Model;

/// <summary>
/// One address's outlier-detection record, as Envoy keeps it per host: the consecutive-error counters, whether it is
/// ejected and since when, and the multiplier of its next ejection time. Counters are updated without locks by the
/// requests that observe results; the ejection itself is decided by <see cref="OutlierDetector"/>.
/// </summary>
internal sealed class EndpointOutlierState
{
    private int _consecutive5xx;
    private int _consecutiveGatewayFailures;
    private int _consecutiveLocalOriginFailures;
    private int _ejected;
    private long _requests;
    private long _errors;

    public bool IsEjected => Volatile.Read(ref _ejected) == 1;

    /// <summary>When the current (or last) ejection began.</summary>
    public DateTimeOffset EjectedAt { get; private set; }

    /// <summary>When the last ejection ended; null if never ejected.</summary>
    public DateTimeOffset? UnejectedAt { get; private set; }

    /// <summary>Envoy's ejection time back-off: the base ejection time is multiplied by it. Read and written by the detector only.</summary>
    public int EjectionMultiplier { get; set; }

    /// <summary>Results observed (responses and local-origin failures), and of those errors (5xx or local-origin), for /clusters.</summary>
    public long Requests => Volatile.Read(ref _requests);

    public long Errors => Volatile.Read(ref _errors);

    public int Consecutive5xx => Volatile.Read(ref _consecutive5xx);

    /// <summary>Counts a 5xx; returns the consecutive count now.</summary>
    public int On5xx()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _errors);
        return Interlocked.Increment(ref _consecutive5xx);
    }

    public int OnGatewayFailure() => Interlocked.Increment(ref _consecutiveGatewayFailures);

    public int OnLocalOriginFailure()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _errors);
        return Interlocked.Increment(ref _consecutiveLocalOriginFailures);
    }

    /// <summary>A response below 500 ends both runs of upstream errors.</summary>
    public void OnSuccess()
    {
        Interlocked.Increment(ref _requests);
        ClearIfSet(ref _consecutive5xx);
        ClearIfSet(ref _consecutiveGatewayFailures);
    }

    /// <summary>A 5xx that is not a gateway error (500, say) ends a run of gateway errors.</summary>
    public void OnNonGatewayError() => ClearIfSet(ref _consecutiveGatewayFailures);

    /// <summary>With local-origin errors split: any response from the endpoint ends a run of local-origin failures.</summary>
    public void OnLocalOriginSuccess() => ClearIfSet(ref _consecutiveLocalOriginFailures);

    /// <summary>Marks the endpoint ejected; false if it already was.</summary>
    public bool TryEject(DateTimeOffset now)
    {
        if (Interlocked.CompareExchange(ref _ejected, 1, 0) != 0)
        {
            return false;
        }

        EjectedAt = now;
        ResetCounters();
        return true;
    }

    /// <summary>Undoes <see cref="TryEject"/> when the cluster's ejection cap refused it after all.</summary>
    public void CancelEjection() => Volatile.Write(ref _ejected, 0);

    public void Uneject(DateTimeOffset now)
    {
        UnejectedAt = now;
        ResetCounters();
        Volatile.Write(ref _ejected, 0);
    }

    private void ResetCounters()
    {
        Volatile.Write(ref _consecutive5xx, 0);
        Volatile.Write(ref _consecutiveGatewayFailures, 0);
        Volatile.Write(ref _consecutiveLocalOriginFailures, 0);
    }

    // Reading first keeps a run of successes from writing the shared cache line on every request.
    private static void ClearIfSet(ref int counter)
    {
        if (Volatile.Read(ref counter) != 0)
        {
            Volatile.Write(ref counter, 0);
        }
    }
}
