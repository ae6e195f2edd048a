using Google.Protobuf;

namespace Mesh.Contracts.Discovery;

/// <summary>The name a resource is known by within its type: what incremental responses add, replace and remove.</summary>
public static class ResourceNames
{
    public static string Of(IMessage resource) => resource switch
    {
        Listener listener => listener.Name,
        RouteConfiguration routes => routes.Name,
        Cluster cluster => cluster.Name,
        ClusterLoadAssignment assignment => assignment.ClusterName,
        _ => throw new ArgumentException($"no resource name for {resource.Descriptor.FullName}", nameof(resource)),
    };
}
