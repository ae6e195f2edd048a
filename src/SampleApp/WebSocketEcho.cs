using System.Net.WebSockets;

namespace Mesh.SampleApp;

/// <summary>
/// Answers a WebSocket upgrade on any path by sending each message back as it came (text or binary, fragment by
/// fragment) until the client closes: what a test or a user needs to see a long-lived connection cross the mesh.
/// </summary>
internal static class WebSocketEcho
{
    private const int BufferBytes = 16 * 1024;

    public static async Task RunAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, socket.CloseStatusDescription, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The peer went away without a close handshake: nothing to answer.
        }
    }
}
