using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Kestrel's socket transport (its bind, its backlog, its connections) with our accept loop,
/// <see cref="ResilientConnectionListener"/>, which survives running out of descriptors.
/// </summary>
/// <param name="needsReserve">
/// False for the admin server only: it accepts (a probe) even while the proxy's <see cref="DescriptorReserve"/> is
/// let go, so that /ready can say which listener cannot accept.
/// </param>
internal sealed class ResilientSocketTransportFactory(
    Func<EndPoint, ListenerAcceptState> stateOf, DescriptorReserve reserve, bool needsReserve, TimeProvider time, ILoggerFactory loggerFactory)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // Kestrel's default backlog.
    private static readonly int Backlog = new SocketTransportOptions().Backlog;

    private readonly ILogger _logger = loggerFactory.CreateLogger<ResilientConnectionListener>();

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // What Kestrel's own transport throws, so that Kestrel reports it the same way.
            throw new AddressInUseException(ex.Message, ex);
        }

        try
        {
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connections = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        return ValueTask.FromResult<IConnectionListener>(
            new ResilientConnectionListener(socket, connections, stateOf(socket.LocalEndPoint!), reserve, needsReserve, time, _logger));
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;
}
