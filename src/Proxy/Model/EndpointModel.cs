using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Model;

/// <summary>One upstream address of a cluster, as compiled from its load assignment, with the live state it shares with earlier models of the same address.</summary>
internal sealed class EndpointModel(Endpoint config, EndpointState state)
{
    public Endpoint Config { get; } = config;

    /// <summary>"address:port": what identifies the endpoint across updates.</summary>
    public string Key { get; } = KeyOf(config);

    /// <summary>"http://address:port/": the destination prefix the forwarder builds request URIs from.</summary>
    public string DestinationPrefix { get; } = $"http://{FormatHost(config.Address)}:{config.Port}/";

    public EndpointState State { get; } = state;

    /// <summary>The endpoint's locality priority level in this cluster (Istio's failover): 0 is the nearest.</summary>
    public int Priority { get; init; }

    /// <summary>The load-balancing weight (Endpoint.weight, at least 1).</summary>
    public uint Weight { get; } = Math.Max(1, config.Weight);

    public static string KeyOf(Endpoint endpoint) => $"{FormatHost(endpoint.Address)}:{endpoint.Port}";

    private static string FormatHost(string address) => address.Contains(':') ? $"[{address}]" : address;
}
