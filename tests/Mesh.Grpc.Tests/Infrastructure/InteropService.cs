// Our server side of the interop service: behaves like interop/server.js and records what its handlers observed.
using Google.Protobuf;
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests.Infrastructure;

internal sealed class InteropService
{
    /// <summary>Completes when a handler starts waiting on a request with hang set.</summary>
    public TaskCompletionSource<GrpcServerCallContext> HangStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when that waiting handler's cancellation token fires.</summary>
    public TaskCompletionSource HangCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<EchoReply> EchoAsync(EchoRequest request, GrpcServerCallContext context)
    {
        await HangIfAskedAsync(request, context);
        return Reply(request);
    }

    public async Task ChatAsync(IGrpcStreamReader<EchoRequest> requests, IGrpcStreamWriter<EchoReply> responses, GrpcServerCallContext context)
    {
        await foreach (var request in requests.ReadAllAsync())
        {
            await HangIfAskedAsync(request, context);
            await responses.WriteAsync(Reply(request));
        }
    }

    private static EchoReply Reply(EchoRequest request)
    {
        if (request.FailCode != 0)
        {
            throw new GrpcException((GrpcStatusCode)request.FailCode, request.FailMessage);
        }

        return new EchoReply { Text = request.Text, Payload = ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) };
    }

    private async Task HangIfAskedAsync(EchoRequest request, GrpcServerCallContext context)
    {
        if (!request.Hang)
        {
            return;
        }

        using var registration = context.CancellationToken.Register(() => HangCancelled.TrySetResult());
        HangStarted.TrySetResult(context);
        await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
    }
}
