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

    /// <summary>Completes once the request headers are sent and the body may be written.</summary>
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
        _streamReady.TrySetResult(stream);
        await _requestsComplete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
