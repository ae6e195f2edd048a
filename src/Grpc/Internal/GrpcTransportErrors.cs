// Maps what HttpClient throws during a call (connection failures, stream resets) to gRPC statuses.
namespace Mesh.Grpc.Internal;

internal static class GrpcTransportErrors
{
    public static GrpcException ToGrpcException(Exception ex)
    {
        return ex switch
        {
            GrpcException grpc => grpc,
            HttpProtocolException protocol => new GrpcException(GrpcHttpStatus.FromHttp2ErrorCode(protocol.ErrorCode), $"The HTTP/2 stream was reset: {protocol.Message}", ex),
            HttpRequestException { InnerException: HttpProtocolException protocol } => new GrpcException(GrpcHttpStatus.FromHttp2ErrorCode(protocol.ErrorCode), $"The HTTP/2 stream was reset: {protocol.Message}", ex),
            HttpRequestException request => new GrpcException(GrpcStatusCode.Unavailable, $"Error starting gRPC call: {request.Message}", ex),
            IOException io => new GrpcException(GrpcStatusCode.Unavailable, $"The connection failed during the call: {io.Message}", ex),
            _ => new GrpcException(GrpcStatusCode.Unknown, $"The call failed: {ex.Message}", ex),
        };
    }
}
