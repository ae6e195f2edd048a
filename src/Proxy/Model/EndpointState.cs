namespace Mesh.Proxy.Model;

/// <summary>
/// The live counters of one upstream address of a cluster. Outlives the models: the cluster compiler hands the same
/// state to the address's next <see cref="EndpointModel"/>, so an endpoint update does not forget requests in flight.
/// </summary>
internal sealed class EndpointState
{
    private int _activeRequests;

    /// <summary>Requests (or passthrough connections) in flight to this address; least-request balancing reads it.</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public void OnRequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void OnRequestEnded() => Interlocked.Decrement(ref _activeRequests);
}
