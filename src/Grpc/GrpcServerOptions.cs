// Limits and clock for one mapped gRPC method on the server side.
namespace Mesh.Grpc;

public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; a bigger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent; a bigger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>The clock behind grpc-timeout deadlines; when null, the host's TimeProvider service or the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
