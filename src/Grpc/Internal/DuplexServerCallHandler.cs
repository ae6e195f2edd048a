// Serves bidirectional streaming calls: the handler reads and writes freely until it returns; status in trailers.
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Internal;

internal sealed class DuplexServerCallHandler<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ServerMethod _method;
    private readonly MessageParser<TRequest> _requestParser;
    private readonly Func<IGrpcStreamReader<TRequest>, IGrpcStreamWriter<TResponse>, GrpcServerCallContext, Task> _handler;

    public DuplexServerCallHandler(ServerMethod method, MessageParser<TRequest> requestParser,
        Func<IGrpcStreamReader<TRequest>, IGrpcStreamWriter<TResponse>, GrpcServerCallContext, Task> handler)
    {
        _method = method;
        _requestParser = requestParser;
        _handler = handler;
    }

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        using var call = ServerCall.TryStart(httpContext, _method);
        if (call is null)
        {
            return;
        }

        var reader = new ServerStreamReader<TRequest>(httpContext, call, _requestParser);
        var writer = new ServerStreamWriter<TResponse>(httpContext, call);
        try
        {
            await _handler(reader, writer, call.Context).ConfigureAwait(false);
            writer.Complete();
            if (writer.IsWriting)
            {
                throw new InvalidOperationException($"The handler of {_method.FullName} returned while a write was still in progress.");
            }

            call.CompleteSuccessfully();
        }
        catch (Exception ex)
        {
            writer.Complete();
            call.CompleteWithError(ex);
        }
    }
}
