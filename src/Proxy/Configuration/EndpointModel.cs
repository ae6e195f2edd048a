using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Configuration;

/// <summary>One upstream address of a cluster, with the live count of requests in flight that least-request balancing reads.</summary>
internal sealed class EndpointModel(Endpoint config)
{
    private int _activeRequests;

    public Endpoint Config { get; } = config;

    /// <summary>"http://address:port/": the destination prefix the forwarder builds request URIs from.</summary>
    public string DestinationPrefix { get; } = $"http://{FormatHost(config.Address)}:{config.Port}/";

    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public void OnRequestStarted() => Interlocked.Increment(ref _activeRequests);

    public void OnRequestEnded() => Interlocked.Decrement(ref _activeRequests);

    private static string FormatHost(string address) => address.Contains(':') ? $"[{address}]" : address;
}
