// The send-side message size check, worded the same on client and server.
namespace Mesh.Grpc.Internal;

internal static class GrpcMessageLimits
{
    public static void ThrowIfTooLargeToSend(int size, int maxSendMessageSize)
    {
        if (size > maxSendMessageSize)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} > {maxSendMessageSize} bytes).");
        }
    }
}
