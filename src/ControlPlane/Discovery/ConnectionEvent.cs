using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Discovery;

/// <summary>One thing a discovery stream must handle, in arrival order: a request from the proxy, or a new snapshot to push.</summary>
internal readonly record struct ConnectionEvent(DiscoveryRequest? Request)
{
    /// <summary>A new mesh snapshot is available; the stream regenerates and sends the types that changed.</summary>
    public static ConnectionEvent Push => default;

    public bool IsPush => Request is null;
}
