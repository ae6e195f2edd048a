using System.Net;
using System.Net.Sockets;
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
        var demuxer = new StreamDemuxer(socket, StreamType.PortForward);
        demuxer.Start();
        // Channel 0 carries the data and channel 1 the API server's errors; each starts with the port number, which
        // the demuxer strips for StreamType.PortForward.
        return new ForwardedStream(demuxer, demuxer.GetStream((byte?)0, (byte?)0), demuxer.GetStream((byte?)1, null), Target);
    }

    /// <summary>An HTTP client whose connections are forwards to the pod (the URL's host is ignored).</summary>
    public HttpClient CreateHttpClient(TimeSpan timeout) => new(new SocketsHttpHandler
    {
        UseProxy = false,
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
            catch (Exception e) when (e is IOException or System.Net.WebSockets.WebSocketException or k8s.Autorest.HttpOperationException or OperationCanceledException)
            {
                if (!cancellationToken.IsCancellationRequested)
                {
                    errors.WriteLine($"port-forward to {Target}: {e.Message}");
                }
            }
        }
    }

    /// <summary>The data channel, with the error channel watched: a message there (connection refused in the pod) ends the stream with that message.</summary>
    private sealed class ForwardedStream : Stream
    {
        private readonly StreamDemuxer _demuxer;
        private readonly Stream _data;
        private readonly Task<string> _error;
        private readonly string _target;

        public ForwardedStream(StreamDemuxer demuxer, Stream data, Stream errors, string target)
        {
            _demuxer = demuxer;
            _data = data;
            _target = target;
            _error = ReadErrorAsync(errors);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = _data.ReadAsync(buffer, cancellationToken).AsTask();
            if (await Task.WhenAny(read, _error) == _error && _error.Result.Length > 0)
            {
                throw new IOException($"port-forward to {_target}: {_error.Result}");
            }

            return await read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _data.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _data.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => _data.Write(buffer, offset, count);

        public override Task FlushAsync(CancellationToken cancellationToken) => _data.FlushAsync(cancellationToken);

        public override void Flush() => _data.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _demuxer.Dispose();
            }

            base.Dispose(disposing);
        }

        private static async Task<string> ReadErrorAsync(Stream errors)
        {
            // The API server sends one message and closes: the first chunk is the message.
            var buffer = new byte[4096];
            try
            {
                var read = await errors.ReadAsync(buffer);
                return Encoding.UTF8.GetString(buffer, 0, read);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
            {
                return "";
            }
        }
    }
}
