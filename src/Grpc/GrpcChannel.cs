// A client connection to one gRPC server address: HTTP/2 over SocketsHttpHandler, shared by every call made through it.
using Google.Protobuf;
using Mesh.Grpc.Internal;

namespace Mesh.Grpc;

public sealed class GrpcChannel : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly string _baseAddress;

    public GrpcChannel(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"gRPC channel address '{address}' must be an absolute http:// or https:// URI.", nameof(address));
        }

        options ??= new GrpcChannelOptions();
        if (options.MaxReceiveMessageSize < 0 || options.MaxSendMessageSize < 0)
        {
            throw new ArgumentException("gRPC channel message size limits must not be negative.", nameof(options));
        }

        _baseAddress = address.GetLeftPart(UriPartial.Path).TrimEnd('/');
        MaxReceiveMessageSize = options.MaxReceiveMessageSize;
        MaxSendMessageSize = options.MaxSendMessageSize;
        TimeProvider = options.TimeProvider ?? TimeProvider.System;
        _invoker = options.Handler is { } handler
            ? new HttpMessageInvoker(handler, disposeHandler: false)
            : new HttpMessageInvoker(CreateDefaultHandler(), disposeHandler: true);
    }

    internal HttpMessageInvoker Invoker => _invoker;

    internal int MaxReceiveMessageSize { get; }

    internal int MaxSendMessageSize { get; }

    internal TimeProvider TimeProvider { get; }

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, GrpcCallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        using var call = new GrpcClientCall<TRequest, TResponse>(this, method, options);
        return await call.UnaryAsync(request).ConfigureAwait(false);
    }

    /// <summary>Starts a bidirectional stream; completes once the request headers are on their way (not when the server answers).</summary>
    public async Task<GrpcDuplexCall<TRequest, TResponse>> StartDuplexAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, GrpcCallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        var call = new GrpcClientCall<TRequest, TResponse>(this, method, options);
        try
        {
            await call.StartDuplexAsync().ConfigureAwait(false);
        }
        catch
        {
            call.Dispose();
            throw;
        }

        return new GrpcDuplexCall<TRequest, TResponse>(call);
    }

    public void Dispose() => _invoker.Dispose();

    internal Uri CreateUri(string fullName) => new(_baseAddress + fullName);

    private static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        // One HTTP/2 connection caps concurrent streams (often at 100); open more rather than queue calls.
        EnableMultipleHttp2Connections = true,
        // Long-lived streams (discovery) must notice a dead peer even when no message is due.
        KeepAlivePingDelay = TimeSpan.FromSeconds(60),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
    };
}
