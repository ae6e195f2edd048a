// Reads whole gRPC messages off a pipe, turning every framing fault into a GrpcException with a clear status.
using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Mesh.Grpc.Internal;

internal static class GrpcMessageReader
{
    /// <summary>The next message, or null when the peer ended its stream cleanly between frames.</summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCanceled)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            var buffer = result.Buffer;
            var status = GrpcFraming.TryReadFrame(buffer, maxMessageSize, out var payload, out var declaredLength);
            if (status == GrpcFrameStatus.Complete)
            {
                try
                {
                    return Parse(parser, payload);
                }
                finally
                {
                    reader.AdvanceTo(payload.End);
                }
            }

            if (status != GrpcFrameStatus.Incomplete)
            {
                reader.AdvanceTo(buffer.Start);
                throw FrameError(status, declaredLength, maxMessageSize);
            }

            if (result.IsCompleted)
            {
                var received = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (received == 0)
                {
                    return null;
                }

                throw new GrpcException(GrpcStatusCode.Internal, received < GrpcFraming.HeaderSize
                    ? $"Incomplete message: the stream ended after {received} of the 5 frame header bytes."
                    : $"Incomplete message: the stream ended after {received - GrpcFraming.HeaderSize} of {declaredLength} message bytes.");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload)
        where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"Failed to deserialize the message: {ex.Message}", ex);
        }
    }

    private static GrpcException FrameError(GrpcFrameStatus status, long declaredLength, int maxMessageSize) => status switch
    {
        GrpcFrameStatus.Compressed => new GrpcException(GrpcStatusCode.Internal,
            "Received a compressed message, but no grpc-encoding was negotiated: this peer only accepts uncompressed (identity) messages."),
        GrpcFrameStatus.TooLarge => new GrpcException(GrpcStatusCode.ResourceExhausted,
            $"Received message exceeds the maximum configured message size ({declaredLength} > {maxMessageSize} bytes)."),
        _ => new GrpcException(GrpcStatusCode.Internal, "Malformed message frame: the compressed flag must be 0 or 1."),
    };
}
