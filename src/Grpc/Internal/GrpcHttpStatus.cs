// Maps a non-200 HTTP status (a proxy or non-gRPC server answered) to a gRPC status, as the gRPC spec's table says.
using System.Net;

namespace Mesh.Grpc.Internal;

internal static class GrpcHttpStatus
{
    public static GrpcStatusCode ToGrpcStatus(HttpStatusCode statusCode) => statusCode switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
            => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    /// <summary>RST_STREAM error codes (RFC 9113 section 7) as the gRPC spec maps them.</summary>
    public static GrpcStatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => GrpcStatusCode.Unavailable,       // REFUSED_STREAM: safe to retry
        0x8 => GrpcStatusCode.Cancelled,         // CANCEL
        0xB => GrpcStatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => GrpcStatusCode.PermissionDenied,  // INADEQUATE_SECURITY
        _ => GrpcStatusCode.Internal,
    };
}
