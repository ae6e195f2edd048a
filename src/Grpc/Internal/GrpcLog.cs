// Source-generated log messages of the gRPC server, with stable event ids (1xx: call admission, 2xx: call outcome).
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Internal;

internal static partial class GrpcLog
{
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Rejected gRPC call {Method}: protocol {Protocol} is not HTTP/2.")]
    public static partial void NotHttp2(ILogger logger, string method, string protocol);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Rejected gRPC call {Method}: content-type '{ContentType}' is not application/grpc.")]
    public static partial void UnsupportedContentType(ILogger logger, string method, string? contentType);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Rejected gRPC call {Method}: unsupported grpc-encoding '{Encoding}'.")]
    public static partial void UnsupportedEncoding(ILogger logger, string method, string encoding);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Rejected gRPC call {Method}: malformed grpc-timeout '{Timeout}'.")]
    public static partial void MalformedTimeout(ILogger logger, string method, string timeout);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline.")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(EventId = 202, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client or lost its connection.")]
    public static partial void CallCancelled(ILogger logger, string method);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "gRPC call {Method} ended with status {Status}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, GrpcStatusCode status, string detail);

    [LoggerMessage(EventId = 204, Level = LogLevel.Error, Message = "gRPC handler for {Method} threw; the call ends with UNKNOWN.")]
    public static partial void HandlerThrew(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "gRPC call {Method} received a bad request stream ({Status}): {Detail}")]
    public static partial void BadRequestStream(ILogger logger, string method, GrpcStatusCode status, string detail);
}
