// Method descriptors of the interop test service (Protos/interop.proto).
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests.Infrastructure;

internal static class InteropMethods
{
    public static readonly GrpcMethod<EchoRequest, EchoReply> Echo = new("/mesh.interop.v1.Interop/Echo", EchoRequest.Parser, EchoReply.Parser);

    public static readonly GrpcMethod<EchoRequest, EchoReply> Chat = new("/mesh.interop.v1.Interop/Chat", EchoRequest.Parser, EchoReply.Parser);
}
