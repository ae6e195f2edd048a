// The request stream of a server duplex call: messages from Kestrel's request pipe, one reader at a time.
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Internal;

internal sealed class ServerStreamReader<T> : IGrpcStreamReader<T>
    where T : class, IMessage<T>
{
    private readonly HttpContext _httpContext;
    private readonly ServerCall _call;
    private readonly MessageParser<T> _parser;
    private int _reading;

    public ServerStreamReader(HttpContext httpContext, ServerCall call, MessageParser<T> parser)
    {
        _httpContext = httpContext;
        _call = call;
        _parser = parser;
    }

    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
        {
            throw new InvalidOperationException("The request stream is already being read; it can be read only once.");
        }

        return ReadCoreAsync(cancellationToken);
    }

    private async IAsyncEnumerable<T> ReadCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _call.CancellationToken)
            : null;
        var token = linked?.Token ?? _call.CancellationToken;
        var reader = _httpContext.Request.BodyReader;
        while (true)
        {
            T? message;
            try
            {
                message = await GrpcMessageReader.ReadMessageAsync(reader, _parser, _call.Method.MaxReceiveMessageSize, token).ConfigureAwait(false);
            }
            catch (GrpcException ex)
            {
                _call.ReportBadRequestStream(ex);
                throw;
            }

            if (message is null)
            {
                yield break;
            }

            yield return message;
        }
    }
}
