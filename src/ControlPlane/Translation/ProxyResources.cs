using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>Everything one proxy is sent for one mesh snapshot: the four resource sets of the discovery protocol, sorted by name.</summary>
internal sealed class ProxyResources
{
    public ProxyResources(
        IReadOnlyList<Cluster> clusters,
        IReadOnlyList<ClusterLoadAssignment> endpoints,
        IReadOnlyList<Listener> listeners,
        IReadOnlyList<RouteConfiguration> routes)
    {
        Clusters = clusters;
        Endpoints = endpoints;
        Listeners = listeners;
        Routes = routes;
    }

    public IReadOnlyList<Cluster> Clusters { get; }
    public IReadOnlyList<ClusterLoadAssignment> Endpoints { get; }
    public IReadOnlyList<Listener> Listeners { get; }
    public IReadOnlyList<RouteConfiguration> Routes { get; }

    public IReadOnlyList<IMessage> OfType(string typeUrl) => typeUrl switch
    {
        TypeUrls.Cluster => Clusters,
        TypeUrls.Endpoints => Endpoints,
        TypeUrls.Listener => Listeners,
        TypeUrls.Route => Routes,
        _ => throw new ArgumentException($"Unknown resource type '{typeUrl}'.", nameof(typeUrl)),
    };

    /// <summary>A type's resources as a stream holds them: digested, and packed when new (<see cref="SharedResourcePool"/>), not listed first where kept in parts.</summary>
    public IPackableResources Packable(string typeUrl) =>
        OfType(typeUrl) as IPackableResources ?? new PackedSet(ResourceVersion.Pack(OfType(typeUrl)));
}
