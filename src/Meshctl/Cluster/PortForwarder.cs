using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
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
        var demuxer = new StreamDemuxer(socket, StreamType.PortForward, ownsSocket: true);
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

    /// <summary>
    /// The data channel, with the error channel watched: a message there (connection refused in the pod) ends the
    /// stream with that message. KubernetesClient's channel streams are synchronous, and Stream's default async
    /// methods would queue a write behind a pending read (HttpClient keeps one pending on an idle connection), so
    /// reads run on the thread pool and writes go to the demuxer directly.
    /// </summary>
    private sealed class ForwardedStream : Stream
    {
        private const byte DataChannel = 0;
        private readonly StreamDemuxer _demuxer;
        private readonly Stream _data;
        private readonly Task<string> _error;
        private readonly string _target;

        public ForwardedStream(StreamDemuxer demuxer, Stream data, Stream errors, string target)
        {
            _demuxer = demuxer;
            _data = data;
            _target = target;
            _error = Task.Run(() => ReadError(errors));
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            var direct = MemoryMarshal.TryGetArray((ReadOnlyMemory<byte>)buffer, out var segment);
            var chunk = direct ? segment : new ArraySegment<byte>(new byte[Math.Min(buffer.Length, 64 * 1024)]);
            var read = Task.Run(() => _data.Read(chunk.Array!, chunk.Offset, chunk.Count), CancellationToken.None);
            if (await Task.WhenAny(read, _error).WaitAsync(cancellationToken) == _error && _error.Result.Length > 0)
            {
                throw new IOException($"port-forward to {_target}: {_error.Result}");
            }

            var count = await read.WaitAsync(cancellationToken);
            // The end of the data channel comes with the socket's end: the error channel has ended too, with its message if any.
            if (count == 0 && await _error.WaitAsync(cancellationToken) is { Length: > 0 } error)
            {
                throw new IOException($"port-forward to {_target}: {error}");
            }

            if (!direct)
            {
                chunk.AsMemory(0, count).CopyTo(buffer);
            }

            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!buffer.IsEmpty)
            {
                var array = buffer.ToArray();
                await _demuxer.Write(DataChannel, array, 0, array.Length, cancellationToken);
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
                _demuxer.Dispose();
            }

            base.Dispose(disposing);
        }

        private static string ReadError(Stream errors)
        {
            // The API server sends one message and closes: the first chunk is the message.
            var buffer = new byte[4096];
            try
            {
                return Encoding.UTF8.GetString(buffer, 0, errors.Read(buffer, 0, buffer.Length));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.WebSockets.WebSocketException)
            {
                return "";
            }
        }
    }
}
