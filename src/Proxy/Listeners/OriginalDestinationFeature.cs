using System.Net;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// On a connection accepted by a use_original_dst listener (a captured sidecar's 15001 or 15006): where the client
/// meant to go before iptables redirected it (SO_ORIGINAL_DST), and the listener it was handed to.
/// </summary>
internal sealed class OriginalDestinationFeature(IPEndPoint destination, Model.ListenerModel listener)
{
    public IPEndPoint Destination { get; } = destination;

    /// <summary>The listener serving the connection: the one whose address and port are the destination, else the capturing listener itself.</summary>
    public Model.ListenerModel Listener { get; } = listener;
}
