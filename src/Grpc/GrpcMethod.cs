// Describes one gRPC method: its wire path and how to parse its request and response messages.
using Google.Protobuf;

namespace Mesh.Grpc;

/// <summary>A method descriptor: full path "/package.Service/Method" plus protobuf parsers.</summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public GrpcMethod(string fullName, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(fullName);
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(responseParser);
        if (fullName[0] != '/' || fullName.IndexOf('/', 1) <= 1 || fullName.EndsWith('/'))
        {
            throw new ArgumentException($"gRPC method name '{fullName}' must look like '/package.Service/Method'.", nameof(fullName));
        }

        FullName = fullName;
        RequestParser = requestParser;
        ResponseParser = responseParser;
    }

    /// <summary>The HTTP/2 path of the method, e.g. "/mesh.discovery.v1.AggregatedDiscoveryService/StreamResources".</summary>
    public string FullName { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => FullName;
}
