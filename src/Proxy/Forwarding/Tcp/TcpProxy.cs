using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Forwarding.Tcp;

/// <summary>
/// Proxies one accepted connection as opaque TCP (Envoy's tcp_proxy): picks one of the listener's tcp_clusters by
/// weight, applies connection-level authorization, connects (mTLS to another sidecar where the cluster says so) and
/// pipes bytes both ways, recording Istio's istio_tcp_* metrics.
/// </summary>
internal sealed class TcpProxy
{
    /// <summary>
    /// Serves <paramref name="connection"/> until either side closes. Bytes a sniffer examined but did not consume are
    /// still in <c>connection.Transport.Input</c> and are sent first. The verified peer, when mTLS was terminated, is
    /// <c>connection.Features.Get&lt;PeerIdentityFeature&gt;()</c>; the original destination is
    /// <c>connection.Features.Get&lt;OriginalDestinationFeature&gt;()</c>.
    /// </summary>
    public Task ServeAsync(ConnectionContext connection, ListenerModel listener) =>
        throw new NotImplementedException("contract only: the TCP proxy lands with issue 11");
}
