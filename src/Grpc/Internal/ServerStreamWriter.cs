// The response stream of a server duplex call: one write at a time, none after the handler returned.
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Internal;

internal sealed class ServerStreamWriter<T> : IGrpcStreamWriter<T>
    where T : class, IMessage<T>
{
    private readonly HttpContext _httpContext;
    private readonly ServerCall _call;
    private int _writing;
    private volatile bool _completed;

    public ServerStreamWriter(HttpContext httpContext, ServerCall call)
    {
        _httpContext = httpContext;
        _call = call;
    }

    public async Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("Cannot write the message: a write is already in progress.");
        }

        try
        {
            if (_completed)
            {
                throw new InvalidOperationException("Cannot write the message: the call is complete.");
            }

            using var linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.CancellationToken)
                : null;
            await ServerMessageWriter.WriteAsync(_httpContext.Response.BodyWriter, message, _call.Method.MaxSendMessageSize, linked?.Token ?? _call.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>Called when the handler returned: later writes would race the trailers.</summary>
    public void Complete() => _completed = true;

    public bool IsWriting => Volatile.Read(ref _writing) == 1;
}
