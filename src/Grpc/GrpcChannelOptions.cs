// How a GrpcChannel connects and which message sizes it accepts.
namespace Mesh.Grpc;

public sealed class GrpcChannelOptions
{
    /// <summary>The HTTP handler; default: a SocketsHttpHandler (HTTP/2 prior knowledge for http://). A handler given here is not disposed by the channel.</summary>
    public HttpMessageHandler? Handler { get; init; }

    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    public int MaxSendMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>The clock behind call timeouts; default: the system clock.</summary>
    public TimeProvider? TimeProvider { get; init; }
}
