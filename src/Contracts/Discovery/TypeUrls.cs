namespace Mesh.Contracts.Discovery;

/// <summary>The resource types of the discovery protocol, in the order the control plane sends them.</summary>
public static class TypeUrls
{
    private const string Prefix = "type.googleapis.com/mesh.discovery.v1.";

    public const string Cluster = Prefix + nameof(Discovery.Cluster);
    public const string Endpoints = Prefix + nameof(ClusterLoadAssignment);
    public const string Listener = Prefix + nameof(Discovery.Listener);
    public const string Route = Prefix + nameof(RouteConfiguration);

    /// <summary>Dependency order: a route never names a cluster the proxy has not been sent.</summary>
    public static readonly IReadOnlyList<string> PushOrder = [Cluster, Endpoints, Listener, Route];

    /// <summary>The short name people read in logs and debug output ("cds", "eds", "lds", "rds").</summary>
    public static string ShortName(string typeUrl) => typeUrl switch
    {
        Cluster => "cds",
        Endpoints => "eds",
        Listener => "lds",
        Route => "rds",
        _ => typeUrl,
    };
}
