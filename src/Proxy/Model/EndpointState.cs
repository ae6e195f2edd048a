namespace Mesh.Proxy.Model;

/// <summary>
/// The live counters of one upstream address of a cluster. Outlives the models: the cluster compiler hands the same
/// state to the address's next <see cref="EndpointModel"/>, so an endpoint update does not forget requests in flight,
/// nor an ejection.
/// </summary>
internal sealed class EndpointState(long firstSeen = 0)
{
    private int _activeRequests;

    /// <summary>Requests (or passthrough connections) in flight to this address; least-request balancing reads it.</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    /// <summary>What outlier detection knows of this address; used only by clusters that have it.</summary>
    public EndpointOutlierState Outlier { get; } = new();

    /// <summary>When this proxy first saw the address in the cluster (a <see cref="TimeProvider.GetTimestamp"/>): slow start ramps from it.</summary>
    public long FirstSeen { get; } = firstSeen;

    public void OnRequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void OnRequestEnded() => Interlocked.Decrement(ref _activeRequests);
}
