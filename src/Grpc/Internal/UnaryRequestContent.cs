// The request body of a unary call: one frame, serialized from a pooled buffer when the handler asks for it.
using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace Mesh.Grpc.Internal;

internal sealed class UnaryRequestContent : HttpContent
{
    private readonly IMessage _message;
    private readonly int _messageSize;

    public UnaryRequestContent(IMessage message, int messageSize)
    {
        _message = message;
        _messageSize = messageSize;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcFraming.HeaderSize + _messageSize;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            GrpcFraming.WriteFrame(buffer.AsSpan(0, length), _message, _messageSize);
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcFraming.HeaderSize + _messageSize;
        return true;
    }
}
