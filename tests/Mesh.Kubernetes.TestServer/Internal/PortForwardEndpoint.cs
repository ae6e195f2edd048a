using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// pods/portforward over WebSocket, as the real server (through the kubelet) serves it with the channel protocol
/// <c>v4.channel.k8s.io</c> (also when no subprotocol is asked for, and under the name <c>portforward.k8s.io</c>):
/// the i-th port of <c>?ports=</c> gets data channel 2i and error channel 2i+1; every message starts with its channel
/// byte, and the server's first message on each channel carries the port as 2 bytes little-endian. Each port is
/// connected at once to the TCP target <see cref="TestApiServerOptions.PodPortTargets"/> names (there is no kubelet);
/// with none, or when the connection is refused, the real server's error is written on the error channel. Bytes flow
/// both ways until the client closes or every target has; one buffer per direction and port, and at most
/// <see cref="TestApiServerOptions.MaxPortForwards"/> forwards at once (then 429). SPDY is not served.
/// </summary>
internal sealed class PortForwardEndpoint(ObjectStore store, ResourceCatalog catalog, TestApiServerOptions options, CancellationToken stopping)
{
    public const string ChannelProtocol = "v4.channel.k8s.io";
    public const string PortForwardProtocol = "portforward.k8s.io";
    private const int MaxPorts = 16;
    private const int BufferBytes = 32 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(5);

    private int _open;

    public async Task ForwardAsync(HttpContext context, ResourceRequest request)
    {
        var pod = store.Get(catalog.FindByKey("pods")!, request.Namespace, request.Name!) ?? throw ApiException.NotFound(request.Type, request.Name!);
        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw ApiException.BadRequest("Upgrade request required: this test API server serves pods/portforward over WebSocket " +
                $"({ChannelProtocol}) only, not SPDY");
        }
        var ports = Ports(context.Request.Query["ports"]);
        var protocol = Protocol(context.WebSockets.WebSocketRequestedProtocols);
        if (Interlocked.Increment(ref _open) > options.MaxPortForwards)
        {
            Interlocked.Decrement(ref _open);
            throw new ApiException(429, "TooManyRequests", $"too many port forwards open (at most {options.MaxPortForwards})");
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(protocol);
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            var uid = pod["metadata"]?["uid"]?.GetValue<string>() ?? "";
            var sender = new ChannelSender(socket);
            var targets = new Socket?[ports.Length];
            try
            {
                var pumps = new Task[ports.Length];
                for (var i = 0; i < ports.Length; i++)
                {
                    var (data, error) = ((byte)(2 * i), (byte)(2 * i + 1));
                    await sender.SendAsync(data, PortPrefix(ports[i]), ended.Token);
                    await sender.SendAsync(error, PortPrefix(ports[i]), ended.Token);
                    targets[i] = await ConnectAsync(request.Namespace!, request.Name!, uid, ports[i], error, sender, ended.Token);
                    pumps[i] = targets[i] is { } target ? PumpFromTargetAsync(target, data, sender, ended.Token) : Task.CompletedTask;
                }
                var fromClient = PumpFromClientAsync(socket, targets, ended.Token);
                var allTargetsDone = Task.WhenAll(pumps);
                await Task.WhenAny(fromClient, allTargetsDone);
                if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await sender.CloseAsync(ended.Token);
                }
                if (!fromClient.IsCompleted)
                {
                    // Wait (bounded) for the client's close: returning now would reset the connection under its unread data.
                    await fromClient.WaitAsync(CloseWait, ended.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException or WebSocketException or IOException or SocketException)
            {
                // The client went away or the server is stopping: the forward just ends.
            }
            finally
            {
                await ended.CancelAsync();
                foreach (var target in targets)
                {
                    target?.Dispose();
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>The ports asked for, checked as the real server checks them (400 otherwise).</summary>
    private static int[] Ports(Microsoft.Extensions.Primitives.StringValues values)
    {
        var ports = new List<int>();
        foreach (var value in values)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    throw ApiException.BadRequest($"unable to parse \"{part}\" as a port: invalid syntax");
                }
                if (port == 0)
                {
                    throw ApiException.BadRequest("port \"0\" must be > 0");
                }
                ports.Add(port);
            }
        }
        if (ports.Count == 0)
        {
            throw ApiException.BadRequest("query parameter \"port\" is required");
        }
        if (ports.Count > MaxPorts)
        {
            throw ApiException.BadRequest($"at most {MaxPorts} ports may be forwarded at once by this test API server");
        }
        return [.. ports];
    }

    /// <summary>The subprotocol to answer: none when none was asked for (the real server's default is the same channel protocol).</summary>
    private static string? Protocol(IList<string> requested)
    {
        if (requested.Count == 0)
        {
            return null;
        }
        foreach (var protocol in requested)
        {
            if (protocol is ChannelProtocol or PortForwardProtocol)
            {
                return protocol;
            }
        }
        throw ApiException.BadRequest($"unable to upgrade: requested protocols [{string.Join(", ", requested)}] are not served: " +
            $"this test API server speaks {ChannelProtocol} only (no SPDY, tunnelled or not)");
    }

    private async Task<Socket?> ConnectAsync(string ns, string pod, string uid, int port, byte errorChannel, ChannelSender sender, CancellationToken cancellationToken)
    {
        var failure = "connect: connection refused";
        if (options.PodPortTargets?.Invoke(ns, pod, port) is { } endpoint)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
                socket.NoDelay = true;
                return socket;
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                socket.Dispose();
                failure = e is SocketException s ? "connect: " + s.Message : "i/o timeout";
            }
        }
        // The kubelet's wording: error forwarding port P to pod NAME, uid UID: CAUSE.
        var message = $"error forwarding port {port} to pod {ns}/{pod}, uid {uid}: dial tcp 127.0.0.1:{port}: {failure}";
        await sender.SendAsync(errorChannel, Encoding.UTF8.GetBytes(message), cancellationToken);
        return null;
    }

    private static async Task PumpFromTargetAsync(Socket target, byte channel, ChannelSender sender, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferBytes];
        try
        {
            while (true)
            {
                var read = await target.ReceiveAsync(buffer.AsMemory(1), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return;
                }
                buffer[0] = channel;
                await sender.SendFramedAsync(buffer.AsMemory(0, read + 1), cancellationToken);
            }
        }
        catch (SocketException)
        {
            // The target reset the connection: its side is done.
        }
    }

    /// <summary>Client messages: a channel byte, then data for that port (messages on error channels, or unknown ones, are dropped).</summary>
    private static async Task PumpFromClientAsync(WebSocket socket, Socket?[] targets, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferBytes];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
            if (result.Count == 0)
            {
                continue;
            }
            var channel = buffer[0];
            var target = channel % 2 == 0 && channel / 2 < targets.Length ? targets[channel / 2] : null;
            var payload = buffer.AsMemory(1, result.Count - 1);
            while (true)
            {
                if (target is not null && payload.Length > 0)
                {
                    await target.SendAsync(payload, SocketFlags.None, cancellationToken);
                }
                if (result.EndOfMessage)
                {
                    break;
                }
                result = await socket.ReceiveAsync(buffer, cancellationToken);
                payload = buffer.AsMemory(0, result.Count);
            }
        }
    }

    private static byte[] PortPrefix(int port) => [(byte)(port & 0xff), (byte)(port >> 8)];

    /// <summary>One WebSocket writer at a time (every port's pump sends on the same socket).</summary>
    private sealed class ChannelSender(WebSocket socket)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public Task SendAsync(byte channel, byte[] payload, CancellationToken cancellationToken)
        {
            var framed = new byte[payload.Length + 1];
            framed[0] = channel;
            payload.CopyTo(framed, 1);
            return SendFramedAsync(framed, cancellationToken);
        }

        public async Task SendFramedAsync(ReadOnlyMemory<byte> framed, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await socket.SendAsync(framed, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task CloseAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
