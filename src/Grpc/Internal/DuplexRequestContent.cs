// The request body of a duplex call: hands the live HTTP/2 request stream to the writer and holds it open until half-close.
using System.Net;

namespace Mesh.Grpc.Internal;

internal sealed class DuplexRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _streamReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _requestsComplete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DuplexRequestContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    /// <summary>Completes once the request headers are flushed to the connection and the body may be written.</summary>
    public Task<Stream> StreamReady => _streamReady.Task;

    /// <summary>Half-close: the body ends, and HTTP/2 sends END_STREAM.</summary>
    public void CompleteRequests() => _requestsComplete.TrySetResult();

    /// <summary>The call ended before the body was handed over: release any writer waiting for it.</summary>
    public void Abort(Exception reason)
    {
        _streamReady.TrySetException(reason);
        _requestsComplete.TrySetResult();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler leaves the HEADERS frame of a request with a body in its connection buffer until something
        // flushes it: without this, the server sees the call (and runs its handler) only at our first write, or on a fresh
        // connection when its SETTINGS ACK happens to go out after the headers (dotnet/runtime#96223).
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _streamReady.TrySetException(ex);
            throw;
        }

        _streamReady.TrySetResult(stream);
        await _requestsComplete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
