using Microsoft.AspNetCore.Connections;

namespace Mesh.SampleApp;

/// <summary>
/// Sends every byte of a connection back until the client closes its side: the opaque TCP workload that the container
/// test and a user send through the mesh or past it. Kestrel owns the sockets, so its connection limits and shutdown apply.
/// </summary>
internal sealed class TcpEcho : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        try
        {
            await connection.Transport.Input.CopyToAsync(connection.Transport.Output, connection.ConnectionClosed);
        }
        catch (Exception e) when (e is ConnectionResetException or OperationCanceledException or IOException)
        {
            // The client went away mid-echo: nothing to answer.
        }
    }
}
