// Writes one response message as a frame straight into Kestrel's response pipe and flushes it.
using System.IO.Pipelines;
using Google.Protobuf;

namespace Mesh.Grpc.Internal;

internal static class ServerMessageWriter
{
    public static async Task WriteAsync(PipeWriter writer, IMessage message, int maxSendMessageSize, CancellationToken cancellationToken)
    {
        var size = message.CalculateSize();
        GrpcMessageLimits.ThrowIfTooLargeToSend(size, maxSendMessageSize);

        GrpcFraming.WriteFrame(writer, message, size);
        var result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
