// What a server call handler needs to know about the method it serves, resolved once when the method is mapped.
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Internal;

internal sealed class ServerMethod
{
    public ServerMethod(string fullName, GrpcServerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        FullName = fullName;
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        TimeProvider = timeProvider;
        Logger = logger;
    }

    public string FullName { get; }

    public int MaxReceiveMessageSize { get; }

    public int MaxSendMessageSize { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }
}
