// The gRPC length-prefixed message frame: 1-byte compressed flag, 4-byte big-endian length, message bytes.
using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Mesh.Grpc.Internal;

internal static class GrpcFraming
{
    public const int HeaderSize = 5;

    /// <summary>Writes the frame header then the message straight into the output, without an intermediate copy.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, IMessage message, int messageSize)
    {
        var header = output.GetSpan(HeaderSize);
        WriteHeader(header, messageSize);
        output.Advance(HeaderSize);
        if (messageSize > 0)
        {
            message.WriteTo(output);
        }
    }

    /// <summary>Writes a whole frame into a destination of at least HeaderSize + messageSize bytes.</summary>
    public static void WriteFrame(Span<byte> destination, IMessage message, int messageSize)
    {
        WriteHeader(destination, messageSize);
        if (messageSize > 0)
        {
            message.WriteTo(destination.Slice(HeaderSize, messageSize));
        }
    }

    public static void WriteHeader(Span<byte> destination, int messageSize)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(1, 4), (uint)messageSize);
    }

    /// <summary>
    /// Looks for one frame at the front of the buffer. On Complete, message is the payload (its End is where the
    /// frame ends); on TooLarge, declaredLength says how big the peer claimed it to be.
    /// </summary>
    public static GrpcFrameStatus TryReadFrame(in ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> message, out long declaredLength)
    {
        message = default;
        declaredLength = 0;
        if (buffer.Length < HeaderSize)
        {
            return GrpcFrameStatus.Incomplete;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var flag = header[0];
        declaredLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag == 1)
        {
            return GrpcFrameStatus.Compressed;
        }

        if (flag != 0)
        {
            return GrpcFrameStatus.InvalidFlag;
        }

        if (declaredLength > maxMessageSize)
        {
            return GrpcFrameStatus.TooLarge;
        }

        if (buffer.Length - HeaderSize < declaredLength)
        {
            return GrpcFrameStatus.Incomplete;
        }

        message = buffer.Slice(HeaderSize, declaredLength);
        return GrpcFrameStatus.Complete;
    }
}
