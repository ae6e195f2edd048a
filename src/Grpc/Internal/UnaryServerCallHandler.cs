// Serves unary calls: exactly one request message in, one response message out, status in trailers.
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc.Internal;

internal sealed class UnaryServerCallHandler<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ServerMethod _method;
    private readonly MessageParser<TRequest> _requestParser;
    private readonly Func<TRequest, GrpcServerCallContext, Task<TResponse>> _handler;

    public UnaryServerCallHandler(ServerMethod method, MessageParser<TRequest> requestParser, Func<TRequest, GrpcServerCallContext, Task<TResponse>> handler)
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

        try
        {
            var request = await ReadSingleRequestAsync(httpContext, call).ConfigureAwait(false);
            var response = await _handler(request, call.Context).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The handler of {_method.FullName} returned a null response.");
            call.CancellationToken.ThrowIfCancellationRequested();
            await ServerMessageWriter.WriteAsync(httpContext.Response.BodyWriter, response, _method.MaxSendMessageSize, call.CancellationToken).ConfigureAwait(false);
            call.CompleteSuccessfully();
        }
        catch (Exception ex)
        {
            call.CompleteWithError(ex);
        }
    }

    private async Task<TRequest> ReadSingleRequestAsync(HttpContext httpContext, ServerCall call)
    {
        var reader = httpContext.Request.BodyReader;
        try
        {
            var request = await GrpcMessageReader.ReadMessageAsync(reader, _requestParser, _method.MaxReceiveMessageSize, call.CancellationToken).ConfigureAwait(false)
                ?? throw new GrpcException(GrpcStatusCode.Internal, "The request stream ended without a message; a unary call needs exactly one.");
            if (await GrpcMessageReader.ReadMessageAsync(reader, _requestParser, _method.MaxReceiveMessageSize, call.CancellationToken).ConfigureAwait(false) is not null)
            {
                throw new GrpcException(GrpcStatusCode.Internal, "The request stream held more than one message; a unary call takes exactly one.");
            }

            return request;
        }
        catch (GrpcException ex)
        {
            call.ReportBadRequestStream(ex);
            throw;
        }
    }
}
