// Maps gRPC methods onto ASP.NET Core endpoint routing (Kestrel; the host configures HTTP/2 on its listeners).
using Google.Protobuf;
using Mesh.Grpc.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Grpc;

public static class GrpcEndpointRouteBuilderExtensions
{
    private const string LoggerCategory = "Mesh.Grpc.Server";

    public static IEndpointConventionBuilder MapGrpcUnary<TRequest, TResponse>(this IEndpointRouteBuilder endpoints,
        GrpcMethod<TRequest, TResponse> method, Func<TRequest, GrpcServerCallContext, Task<TResponse>> handler, GrpcServerOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        var callHandler = new UnaryServerCallHandler<TRequest, TResponse>(CreateServerMethod(endpoints, method.FullName, options), method.RequestParser, handler);
        return MapPost(endpoints, method.FullName, callHandler.HandleCallAsync);
    }

    public static IEndpointConventionBuilder MapGrpcDuplex<TRequest, TResponse>(this IEndpointRouteBuilder endpoints,
        GrpcMethod<TRequest, TResponse> method, Func<IGrpcStreamReader<TRequest>, IGrpcStreamWriter<TResponse>, GrpcServerCallContext, Task> handler,
        GrpcServerOptions? options = null)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        var callHandler = new DuplexServerCallHandler<TRequest, TResponse>(CreateServerMethod(endpoints, method.FullName, options), method.RequestParser, handler);
        return MapPost(endpoints, method.FullName, callHandler.HandleCallAsync);
    }

    private static IEndpointConventionBuilder MapPost(IEndpointRouteBuilder endpoints, string fullName, RequestDelegate requestDelegate)
        => endpoints.MapPost(fullName, requestDelegate).WithDisplayName("gRPC " + fullName);

    private static ServerMethod CreateServerMethod(IEndpointRouteBuilder endpoints, string fullName, GrpcServerOptions? options)
    {
        options ??= new GrpcServerOptions();
        if (options.MaxReceiveMessageSize < 0 || options.MaxSendMessageSize < 0)
        {
            throw new ArgumentException($"gRPC method {fullName}: message size limits must not be negative.", nameof(options));
        }

        var services = endpoints.ServiceProvider;
        var timeProvider = options.TimeProvider ?? services.GetService<TimeProvider>() ?? TimeProvider.System;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;
        return new ServerMethod(fullName, options, timeProvider, logger);
    }
}
