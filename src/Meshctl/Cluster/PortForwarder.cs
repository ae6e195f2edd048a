using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using k8s;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// Connections to a pod's port through the API server (`pods/portforward` over WebSocket, `v4.channel.k8s.io`): one
/// forward per connection, as `kubectl port-forward` opens one stream pair per connection. Three ways to use one: a
/// <see cref="Stream"/>, an <see cref="HttpClient"/> whose every connection is a forward, or a local listener.
/// </summary>
internal sealed class PortForwarder(IKubernetes client, string ns, string pod, int port)
{
    public const string SubProtocol = "v4.channel.k8s.io";

    public string Target => $"{pod}.{ns}:{port}";

    /// <summary>A stream to the pod's port; reading ends when either side closes, and an error the API server reports fails the read.</summary>
    public async Task<Stream> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = await client.WebSocketNamespacedPodPortForwardAsync(pod, ns, [port], SubProtocol, cancellationToken: cancellationToken);
        return new ForwardedStream(socket);
    }

    /// <summary>An HTTP client whose connections are forwards to the pod (the URL's host is ignored).</summary>
    public HttpClient CreateHttpClient(TimeSpan timeout) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectTimeout = timeout,
        ConnectCallback = async (_, cancellationToken) => await ConnectAsync(cancellationToken),
    })
    {
        Timeout = timeout,
        BaseAddress = new Uri($"http://{pod}.{ns}:{port}/"),
    };

    /// <summary>Listens on 127.0.0.1:<paramref name="localPort"/> (0: any free port) and forwards each accepted connection; returns the bound endpoint and the serving task.</summary>
    public (IPEndPoint Local, Task Serving) Listen(int localPort, TextWriter errors, CancellationToken cancellationToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, localPort);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint, ServeAsync(listener, errors, cancellationToken));
    }

    private async Task ServeAsync(TcpListener listener, TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptTcpClientAsync(cancellationToken);
                _ = PipeAsync(connection, errors, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task PipeAsync(TcpClient connection, TextWriter errors, CancellationToken cancellationToken)
    {
        using (connection)
        {
            try
            {
                await using var remote = await ConnectAsync(cancellationToken);
                var local = connection.GetStream();
                var upstream = local.CopyToAsync(remote, cancellationToken);
                var downstream = remote.CopyToAsync(local, cancellationToken);
                await Task.WhenAny(upstream, downstream);
            }
            catch (Exception e) when (e is IOException or WebSocketException or HttpRequestException or k8s.Autorest.HttpOperationException or OperationCanceledException)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    errors.WriteLine($"port-forward to {Target}: {e.Message}");
                }
            }
        }
    }

    /// <summary>
    /// The forward's WebSocket as a stream, read with async receives: every message starts with its channel byte,
    /// channel 0 carries the data and channel 1 the API server's error, and each channel's first 2 bytes are the port.
    /// An error message fails the read with it; the socket's close ends the stream; disposing aborts a pending read.
    /// Not KubernetesClient's StreamDemuxer: its reads block a pool thread on a ByteBuffer that has no cancellation,
    /// and a buffer made after its receive loop ended is never ended, so a forward the server refuses and closes at
    /// once could leave a read (and the request above it) waiting forever.
    /// </summary>
    private sealed class ForwardedStream(WebSocket socket) : Stream
    {
        private const byte DataChannel = 0;
        private const byte ErrorChannel = 1;
        private const int PortBytes = 2;
        private readonly byte[] _receive = new byte[64 * 1024];
        private readonly int[] _portBytesLeft = [PortBytes, PortBytes];
        private readonly MemoryStream _error = new();
        private Memory<byte> _data;
        private byte? _channel;
        private string? _failure;
        private bool _closed;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_data.IsEmpty)
            {
                if (_failure is not null)
                {
                    throw new IOException(_failure);
                }

                if (_closed)
                {
                    return 0;
                }

                await ReceiveAsync(cancellationToken);
            }

            var count = Math.Min(buffer.Length, _data.Length);
            _data[..count].CopyTo(buffer);
            _data = _data[count..];
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return;
            }

            var message = new byte[buffer.Length + 1];
            message[0] = DataChannel;
            buffer.CopyTo(message.AsMemory(1));
            try
            {
                await socket.SendAsync(message, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
            }
            catch (WebSocketException e)
            {
                throw new IOException(e.Message, e);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                socket.Dispose();
            }

            base.Dispose(disposing);
        }

        /// <summary>Receives one WebSocket frame: data to <see cref="_data"/>, the error's text to <see cref="_failure"/> once its message is whole, or the close.</summary>
        private async Task ReceiveAsync(CancellationToken cancellationToken)
        {
            ValueWebSocketReceiveResult result;
            try
            {
                result = await socket.ReceiveAsync(_receive.AsMemory(), cancellationToken);
            }
            catch (WebSocketException e)
            {
                throw new IOException(e.Message, e);
            }

            if (result.MessageType == WebSocketMessageType.Close)
            {
                _closed = true;
                return;
            }

            var payload = _receive.AsMemory(0, result.Count);
            if (_channel is null && !payload.IsEmpty)
            {
                _channel = payload.Span[0];
                payload = payload[1..];
            }

            var channel = _channel;
            if (result.EndOfMessage)
            {
                _channel = null;
            }

            if (channel is not (DataChannel or ErrorChannel))
            {
                return;
            }

            var port = Math.Min(_portBytesLeft[channel.Value], payload.Length);
            _portBytesLeft[channel.Value] -= port;
            payload = payload[port..];
            if (channel == DataChannel)
            {
                _data = payload;
                return;
            }

            _error.Write(payload.Span);
            if (result.EndOfMessage && _error.Length > 0)
            {
                _failure = Encoding.UTF8.GetString(_error.GetBuffer(), 0, (int)_error.Length);
            }
        }
    }
}
