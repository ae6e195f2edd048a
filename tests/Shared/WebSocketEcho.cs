// Compiled into the proxy's and the end-to-end tests: both drive an echoing WebSocket through proxies.
using System.Net.WebSockets;
using System.Text;

namespace Mesh.Tests.Shared;

/// <summary>What a WebSocket through the mesh must do: echo a message whole, and close as it was asked to.</summary>
internal static class WebSocketEcho
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    public static async Task AssertEchoesAsync(WebSocket socket, string message)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        Assert.Equal(message, Encoding.UTF8.GetString(received.ToArray()));
    }

    public static async Task CloseAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }
}
